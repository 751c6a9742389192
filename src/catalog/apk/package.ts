// An apk entry → a Package. purl: pkg:apk/<distro id or alpine>/<name>@<version>?arch=…&distro=alpine-3.19&upstream=<origin>
import type { FileRecord, Package } from '../generic.js';
import type { Distro } from '../os-release.js';
import { distroQualifier } from '../os-release.js';
import { purl } from '../purl.js';
import type { ApkEntry } from './parse-installed.js';

export function apkPurl(e: ApkEntry, distro: Distro | undefined): string {
  return purl({
    type: 'apk',
    namespace: distro && distro.id !== 'alpine' && !distro.idLike.includes('alpine') ? distro.id : 'alpine',
    name: e.package,
    version: e.version,
    qualifiers: { arch: e.arch, distro: distroQualifier(distro), upstream: e.origin && e.origin !== e.package ? e.origin : undefined },
  });
}

export function apkPackage(e: ApkEntry, location: string, distro: Distro | undefined): Package {
  const fileRecords: FileRecord[] = e.files.map((f) => {
    const r: FileRecord = { path: f.path, isDir: f.isDir };
    if (f.uid !== undefined) r.uid = f.uid;
    if (f.gid !== undefined) r.gid = f.gid;
    if (f.mode !== undefined) r.mode = f.mode;
    if (f.digest) r.digest = { algorithm: f.digest.startsWith('Q1') ? 'sha1' : 'unknown', value: f.digest };
    return r;
  });
  const p: Package = {
    id: '',
    name: e.package,
    version: e.version,
    type: 'apk',
    // Alpine advisories are keyed by origin (the source package); same version.
    sourceName: e.origin ?? e.package,
    sourceVersion: e.version,
    purl: apkPurl(e, distro),
    files: fileRecords.filter((r) => !r.isDir).map((r) => r.path),
    locations: [location],
    fileRecords,
    metadata: {
      origin: e.origin,
      url: e.url,
      size: e.size,
      installedSize: e.installedSize,
      checksum: e.checksum,
      commit: e.commit,
      depends: e.depends,
      provides: e.provides,
      maintainer: e.maintainer,
    },
  };
  if (e.arch) p.arch = e.arch;
  if (e.license) p.licenses = e.license.split(/\s+/).filter(Boolean);
  return p;
}
