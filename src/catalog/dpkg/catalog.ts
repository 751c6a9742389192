// Which dpkg files are read, and how they combine:
// - /var/lib/dpkg/status (every installed package; deinstalled ones left out), file lists from
//   info/<pkg>[:<arch>].list, digests from info/<pkg>[:<arch>].md5sums, info/<pkg>.conffiles;
// - distroless /var/lib/dpkg/status.d/<pkg> (one stanza per file) with <pkg>.md5sums beside it.
import type { FsIndex, Gap } from '../../image/fs/fs-index.js';
import type { CatalogContext, Cataloger, CatalogerResult, Package } from '../generic.js';
import { listDir, problemToGap } from '../generic.js';
import { dpkgPackage, type DpkgFiles } from './package.js';
import { parseConffilesFile, parseList, parseMd5sums } from './parse-md5sums.js';
import { isInstalled, parseDpkgStatus, type DpkgEntry } from './parse-status.js';

export const DPKG_STATUS = '/var/lib/dpkg/status';
export const DPKG_STATUS_D = '/var/lib/dpkg/status.d';
export const DPKG_INFO = '/var/lib/dpkg/info';

/** Side files in status.d that are not stanzas. */
const STATUS_D_SIDECAR = /\.(md5sums|list|conffiles|preinst|postinst|prerm|postrm|shlibs|symbols|triggers|templates|config)$/;

export function wants(path: string): boolean {
  if (path === DPKG_STATUS) return true;
  if (path.startsWith(DPKG_STATUS_D + '/')) return !path.slice(DPKG_STATUS_D.length + 1).includes('/');
  if (path.startsWith(DPKG_INFO + '/')) {
    const rest = path.slice(DPKG_INFO.length + 1);
    return !rest.includes('/') && (rest.endsWith('.list') || rest.endsWith('.md5sums') || rest.endsWith('.conffiles'));
  }
  return false;
}

class Reader {
  readonly read: string[] = [];
  readonly gaps: Gap[] = [];
  constructor(private readonly fs: FsIndex) {}
  text(path: string): string | undefined {
    const b = this.fs.content(path);
    if (!b) return undefined;
    this.read.push(path);
    return b.toString('utf8');
  }
}

function infoFiles(r: Reader, e: DpkgEntry): { files: DpkgFiles; locations: string[] } {
  const files: DpkgFiles = {};
  const locations: string[] = [];
  // Multi-Arch: same packages use "<name>:<arch>.*"; everything else plain "<name>.*".
  const stems = e.architecture ? [`${e.package}:${e.architecture}`, e.package] : [e.package];
  for (const stem of stems) {
    const list = r.text(`${DPKG_INFO}/${stem}.list`);
    if (list === undefined) continue;
    files.list = parseList(list);
    locations.push(`${DPKG_INFO}/${stem}.list`);
    break;
  }
  for (const stem of stems) {
    const p = `${DPKG_INFO}/${stem}.md5sums`;
    const md5 = r.text(p);
    if (md5 === undefined) continue;
    const parsed = parseMd5sums(md5);
    files.md5sums = parsed.records;
    for (const prob of parsed.problems) r.gaps.push(problemToGap(p, prob));
    locations.push(p);
    break;
  }
  for (const stem of stems) {
    const p = `${DPKG_INFO}/${stem}.conffiles`;
    const c = r.text(p);
    if (c === undefined) continue;
    files.conffiles = parseConffilesFile(c);
    locations.push(p);
    break;
  }
  return { files, locations };
}

export async function catalogDpkg(fs: FsIndex, ctx: CatalogContext): Promise<CatalogerResult> {
  const r = new Reader(fs);
  const packages: Package[] = [];

  const status = r.text(DPKG_STATUS);
  if (status !== undefined) {
    const parsed = parseDpkgStatus(status);
    for (const p of parsed.problems) r.gaps.push(problemToGap(DPKG_STATUS, p));
    const installed = parsed.entries.filter((e) => isInstalled(e.status));
    if (installed.length === 0 && parsed.problems.length === 0) {
      r.gaps.push({ location: DPKG_STATUS, message: 'dpkg status database lists no installed packages', code: 'DB_MALFORMED' });
    }
    let withList = 0;
    for (const e of installed) {
      const { files, locations } = infoFiles(r, e);
      if (files.list) withList++;
      packages.push(dpkgPackage(e, files, [DPKG_STATUS, ...locations], ctx.distro));
    }
    if (installed.length > 0 && withList === 0) {
      r.gaps.push({
        location: DPKG_INFO,
        message: `none of the ${installed.length} installed dpkg packages has a file list (${DPKG_INFO}/*.list); their files are unknown`,
      });
    }
  }

  const statusD = listDir(fs, DPKG_STATUS_D).filter((f) => !STATUS_D_SIDECAR.test(f.name));
  const dirEntry = fs.resolve(DPKG_STATUS_D).entry;
  if (dirEntry?.type === 'dir' && statusD.length === 0) {
    r.gaps.push({ location: DPKG_STATUS_D, message: 'distroless dpkg status.d directory holds no package stanzas', code: 'DB_MALFORMED' });
  }
  for (const f of statusD.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const text = r.text(f.path);
    if (text === undefined) {
      r.gaps.push({ location: f.path, message: 'status.d entry could not be read (not captured or not a regular file)' });
      continue;
    }
    const parsed = parseDpkgStatus(text);
    for (const p of parsed.problems) r.gaps.push(problemToGap(f.path, p));
    const installed = parsed.entries.filter((e) => isInstalled(e.status));
    if (installed.length === 0 && parsed.problems.length === 0) {
      r.gaps.push({ location: f.path, message: 'status.d file holds no installed package', code: 'DB_MALFORMED' });
    }
    const md5Path = `${f.path}.md5sums`;
    const md5 = r.text(md5Path);
    const files: DpkgFiles = {};
    const locations = [f.path];
    if (md5 !== undefined) {
      const mp = parseMd5sums(md5);
      files.md5sums = mp.records;
      for (const p of mp.problems) r.gaps.push(problemToGap(md5Path, p));
      locations.push(md5Path);
    }
    for (const e of installed) packages.push(dpkgPackage(e, files, locations, ctx.distro));
  }
  markDirectories(fs, packages);
  return { packages, gaps: r.gaps, read: r.read };
}

/** .list files name directories too, without saying so; the image knows which ones they are. */
function markDirectories(fs: FsIndex, packages: Package[]): void {
  for (const p of packages) {
    let dirs = 0;
    for (const rec of p.fileRecords) {
      // md5sums and conffiles only ever name files; only bare .list lines can be directories.
      if (rec.digest || rec.isConfig) continue;
      if (fs.resolve(rec.path).entry?.type === 'dir') {
        rec.isDir = true;
        dirs++;
      }
    }
    if (dirs) p.files = p.fileRecords.filter((rec) => !rec.isDir).map((rec) => rec.path);
  }
}

export const dpkgCataloger: Cataloger = { name: 'dpkg', wants, catalog: catalogDpkg };
