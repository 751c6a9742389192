// A dpkg entry plus its side files → a Package with its purl and owned files.
// purl: pkg:deb/<distro id or debian>/<name>@<version>?arch=…&distro=debian-12&upstream=<source>
import type { Distro } from '../os-release.js';
import { distroQualifier } from '../os-release.js';
import type { FileRecord, Package } from '../generic.js';
import { purl } from '../purl.js';
import type { DpkgEntry } from './parse-status.js';
import type { Md5Record } from './parse-md5sums.js';

export interface DpkgFiles {
  /** From info/<pkg>.list (directories included), when present. */
  list?: string[];
  md5sums?: Md5Record[];
  /** Extra conffiles from info/<pkg>.conffiles. */
  conffiles?: string[];
}

export function dpkgNamespace(distro: Distro | undefined): string {
  if (distro && (distro.id === 'debian' || distro.id === 'ubuntu' || distro.idLike.includes('debian') || distro.idLike.includes('ubuntu'))) return distro.id;
  return 'debian';
}

export function dpkgPurl(e: DpkgEntry, distro: Distro | undefined): string {
  let upstream: string | undefined;
  if (e.source && (e.source !== e.package || (e.sourceVersion && e.sourceVersion !== e.version))) {
    upstream = e.sourceVersion && e.sourceVersion !== e.version ? `${e.source}@${e.sourceVersion}` : e.source;
  }
  return purl({
    type: 'deb',
    namespace: dpkgNamespace(distro),
    name: e.package,
    version: e.version,
    qualifiers: { arch: e.architecture, distro: distroQualifier(distro), upstream },
  });
}

export function fileRecordsOf(e: DpkgEntry, files: DpkgFiles): FileRecord[] {
  const byPath = new Map<string, FileRecord>();
  const add = (path: string): FileRecord => {
    let r = byPath.get(path);
    if (!r) {
      r = { path };
      byPath.set(path, r);
    }
    return r;
  };
  for (const p of files.list ?? []) add(p);
  for (const m of files.md5sums ?? []) add(m.path).digest = { algorithm: 'md5', value: m.digest };
  for (const c of e.conffiles) {
    const r = add(c.path);
    r.isConfig = true;
    if (!r.digest && /^[0-9a-f]{32}$/i.test(c.digest)) r.digest = { algorithm: 'md5', value: c.digest };
  }
  for (const c of files.conffiles ?? []) add(c).isConfig = true;
  return [...byPath.values()];
}

export function dpkgPackage(e: DpkgEntry, files: DpkgFiles, locations: string[], distro: Distro | undefined): Package {
  const fileRecords = fileRecordsOf(e, files);
  const p: Package = {
    id: '',
    name: e.package,
    version: e.version,
    type: 'deb',
    // dpkg's own default: no Source field means the source is the binary package, same version.
    sourceName: e.source ?? e.package,
    sourceVersion: e.sourceVersion ?? e.version,
    purl: dpkgPurl(e, distro),
    files: fileRecords.map((r) => r.path),
    locations,
    fileRecords,
    metadata: {
      source: e.source,
      sourceVersion: e.sourceVersion,
      status: e.status,
      maintainer: e.maintainer,
      installedSize: e.installedSize,
      provides: e.provides,
      depends: e.depends,
      preDepends: e.preDepends,
      conffiles: e.conffiles,
    },
  };
  if (e.architecture) p.arch = e.architecture;
  return p;
}
