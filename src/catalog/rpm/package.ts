// An rpm header → a Package. purl (as syft writes it, qualifiers sorted):
// pkg:rpm/<vendor>/<name>@<version>-<release>?arch=…&distro=…&epoch=…&upstream=<source rpm>
// The namespace is left out when the image names no distro.
import type { FileRecord, Package } from '../generic.js';
import type { Distro } from '../os-release.js';
import { distroQualifier } from '../os-release.js';
import { purl } from '../purl.js';
import { S_IFDIR, S_IFMT, type RpmEntry, type RpmFile } from './parse-header.js';

/** "curl-7.76.0-6.cm2.src.rpm" → { name: curl, version: 7.76.0-6.cm2 } */
export function parseSourceRpm(s: string): { name: string; version: string } | undefined {
  const base = s.replace(/\.(no)?src\.rpm$/, '');
  const rel = base.lastIndexOf('-');
  if (rel <= 0) return undefined;
  const ver = base.lastIndexOf('-', rel - 1);
  if (ver <= 0) return undefined;
  return { name: base.slice(0, ver), version: base.slice(ver + 1) };
}

/** The purl namespace is the vendor: os-release ID, except where the vendor's own purls differ (Red Hat: "redhat"). */
const VENDOR_NAMESPACE: Record<string, string> = { rhel: 'redhat' };

export function rpmNamespace(distro: Distro | undefined): string | undefined {
  return distro ? (VENDOR_NAMESPACE[distro.id] ?? distro.id) : undefined;
}

export function rpmPurl(e: RpmEntry, distro: Distro | undefined): string {
  const namespace = rpmNamespace(distro);
  return purl({
    type: 'rpm',
    ...(namespace ? { namespace } : {}),
    name: e.name,
    version: e.release ? `${e.version}-${e.release}` : e.version,
    qualifiers: {
      arch: e.arch,
      epoch: e.epoch !== undefined && e.epoch !== 0 ? String(e.epoch) : undefined,
      upstream: e.sourceRpm,
      distro: distroQualifier(distro),
    },
  });
}

export function rpmPackage(e: RpmEntry, files: RpmFile[] | undefined, location: string, distro: Distro | undefined, fileListError?: string): Package {
  const fileRecords: FileRecord[] = (files ?? []).map((f) => {
    const r: FileRecord = { path: f.path };
    if (f.mode !== undefined) {
      r.mode = f.mode;
      if ((f.mode & S_IFMT) === S_IFDIR) r.isDir = true;
    }
    if (f.size !== undefined) r.size = f.size;
    if (f.digest) r.digest = { algorithm: e.digestAlgorithm ?? 'md5', value: f.digest };
    if (f.flags !== undefined) {
      r.flags = f.flags;
      if (f.flags & 1) r.isConfig = true; // RPMFILE_CONFIG
    }
    if (f.user) r.owner = f.user;
    if (f.group) r.group = f.group;
    return r;
  });
  const src = e.sourceRpm ? parseSourceRpm(e.sourceRpm) : undefined;
  const version = e.release ? `${e.version}-${e.release}` : e.version;
  const p: Package = {
    id: '',
    name: e.name,
    // The epoch is part of the version users and advisories compare ("1:2.3-4").
    version: e.epoch ? `${e.epoch}:${version}` : version,
    type: 'rpm',
    sourceName: src?.name ?? e.name,
    sourceVersion: src?.version ?? version,
    purl: rpmPurl(e, distro),
    files: fileRecords.filter((r) => !r.isDir).map((r) => r.path),
    locations: [location],
    fileRecords,
    metadata: {
      epoch: e.epoch,
      release: e.release,
      upstreamVersion: e.version,
      sourceRpm: e.sourceRpm,
      vendor: e.vendor,
      summary: e.summary,
      size: e.size,
      installTime: e.installTime,
      sigMd5: e.sigMd5,
      modularityLabel: e.modularityLabel,
      provides: e.provides,
      requires: e.requires,
      ...(fileListError ? { fileListError } : {}),
    },
  };
  if (e.arch) p.arch = e.arch;
  if (e.license) p.licenses = [e.license];
  return p;
}
