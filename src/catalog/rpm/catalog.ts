// Where rpm keeps its database, and which backend each file is. rpm reads one backend per
// directory; when a directory holds more than one (a converted image keeps the old file), the
// newest backend that yields packages wins: SQLite, then ndb, then Berkeley DB.
import type { FsIndex, Gap } from '../../image/fs/fs-index.js';
import type { CatalogContext, Cataloger, CatalogerResult, Package } from '../generic.js';
import { problemToGap } from '../generic.js';
import { BdbError, readBdbValues, type DbValue } from './parse-bdb.js';
import { RpmHeader, RpmHeaderError, rpmEntry, rpmFiles } from './parse-header.js';
import { NdbError, readNdbValues } from './parse-ndb.js';
import { readSqliteValues, SqliteDbError } from './parse-sqlite.js';
import { rpmPackage } from './package.js';

export const RPM_DB_DIRS = ['/var/lib/rpm', '/usr/lib/sysimage/rpm', '/usr/share/rpm'];
export type RpmBackend = 'sqlite' | 'ndb' | 'bdb';
const BACKEND_FILES: [string, RpmBackend][] = [
  ['rpmdb.sqlite', 'sqlite'],
  ['Packages.db', 'ndb'],
  ['Packages', 'bdb'],
];

export function wants(path: string): boolean {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash);
  const name = path.slice(slash + 1);
  return RPM_DB_DIRS.includes(dir) && BACKEND_FILES.some(([f]) => f === name);
}

/** Read the header blobs of one database file. Throws the parsers' errors for unusable files. */
export async function readRpmDbValues(bytes: Buffer, backend: RpmBackend): Promise<{ values: DbValue[]; problems: { message: string; offset?: number }[] }> {
  if (backend === 'sqlite') return { values: await readSqliteValues(bytes), problems: [] };
  if (backend === 'ndb') return readNdbValues(bytes);
  return readBdbValues(bytes);
}

/** Header blobs → packages (+ gaps for malformed headers / file lists), pure apart from the blobs. */
export function packagesFromBlobs(values: DbValue[], location: string, ctx: CatalogContext, gaps: Gap[]): Package[] {
  const out: Package[] = [];
  for (const v of values) {
    let h: RpmHeader;
    let entry;
    try {
      h = new RpmHeader(v.blob);
      entry = rpmEntry(h);
    } catch (e) {
      if (!(e instanceof RpmHeaderError)) throw e;
      gaps.push({ location, message: `malformed rpm header (record at ${v.offset}): ${e.message}`, code: 'DB_MALFORMED' });
      continue;
    }
    // gpg-pubkey "packages" are imported signing keys, not software.
    if (entry.name === 'gpg-pubkey') continue;
    try {
      out.push(rpmPackage(entry, rpmFiles(h), location, ctx.distro));
    } catch (e) {
      if (!(e instanceof RpmHeaderError)) throw e;
      const pkg = rpmPackage(entry, undefined, location, ctx.distro, e.message);
      gaps.push({ location, message: `rpm package ${entry.name}-${entry.version}-${entry.release}: its file list is malformed (${e.message}); its files are unknown`, code: 'DB_MALFORMED', package: pkg.purl });
      out.push(pkg);
    }
  }
  return out;
}

export async function catalogRpm(fs: FsIndex, ctx: CatalogContext): Promise<CatalogerResult> {
  const packages: Package[] = [];
  const gaps: Gap[] = [];
  const read: string[] = [];
  const seenDirs = new Set<string>();
  for (const dir of RPM_DB_DIRS) {
    const real = fs.resolve(dir);
    if (real.entry?.type !== 'dir' || seenDirs.has(real.path)) continue;
    seenDirs.add(real.path);
    for (const [file, backend] of BACKEND_FILES) {
      const path = `${dir}/${file}`;
      const bytes = fs.content(path);
      if (!bytes) continue;
      read.push(path);
      ctx.signal?.throwIfAborted();
      let values: DbValue[];
      try {
        const r = await readRpmDbValues(bytes, backend);
        values = r.values;
        for (const p of r.problems) gaps.push(problemToGap(path, p));
      } catch (e) {
        if (e instanceof BdbError || e instanceof NdbError || e instanceof SqliteDbError) {
          gaps.push({ location: path, message: `rpm database cannot be read: ${e.message}`, code: e instanceof BdbError && e.unsupported ? 'DB_UNSUPPORTED' : 'DB_MALFORMED' });
          continue;
        }
        throw e;
      }
      const found = packagesFromBlobs(values, path, ctx, gaps);
      if (found.length === 0) {
        gaps.push({ location: path, message: 'rpm database holds no packages', code: 'DB_MALFORMED' });
        continue;
      }
      packages.push(...found);
      ctx.log?.debug(`rpm: ${found.length} packages from ${path} (${backend})`);
      break;
    }
  }
  return { packages, gaps, read };
}

export const rpmCataloger: Cataloger = { name: 'rpm', wants, catalog: catalogRpm };
