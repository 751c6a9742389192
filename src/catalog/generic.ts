// What every cataloger shares: the Package shape scan consumes (CONTRACTS.md), the Cataloger
// interface (which paths it wants, how it turns an FsIndex into packages), and the helpers that
// turn per-entry parse problems into gaps tied to the database file — never silently dropped.
import type { ErrorCode } from '../errors.js';
import type { OpContext } from '../log.js';
import type { FsIndex, Gap } from '../image/fs/fs-index.js';
import type { Distro } from './os-release.js';

export type { Gap } from '../image/fs/fs-index.js';

export type PackageType = 'deb' | 'apk' | 'rpm';

/** One file a package database records, with whatever the format says about it. */
export interface FileRecord {
  path: string;
  /** Digest as the DB stores it: md5 hex (dpkg), Q1 base64 sha1 (apk), hex with algorithm (rpm). */
  digest?: { algorithm: string; value: string };
  mode?: number;
  size?: number;
  uid?: number;
  gid?: number;
  owner?: string;
  group?: string;
  /** rpm file flags (config, doc, license, ghost, …) */
  flags?: number;
  isConfig?: boolean;
  isDir?: boolean;
}

export interface Package {
  /** Unique within one catalog result. */
  id: string;
  name: string;
  version: string;
  arch?: string;
  type: PackageType;
  sourceName?: string;
  sourceVersion?: string;
  purl: string;
  /** Absolute paths of the non-directory files the DB lists for the package, as it lists them. */
  files: string[];
  /** The database files (image paths) the package came from; the first is the primary one. */
  locations: string[];
  licenses?: string[];
  /** Everything the DB records about the files (directories included). */
  fileRecords: FileRecord[];
  /** Format-specific fields (dpkg Depends, apk origin, rpm epoch/release/vendor, …). */
  metadata: Record<string, unknown>;
}

/** A problem one parser met with one entry: kept, and turned into a Gap with the file's path. */
export interface ParseProblem {
  message: string;
  /** 1-based line (text formats) or byte offset (binary formats) where it was found. */
  line?: number;
  offset?: number;
  code?: ErrorCode;
  /** The package name, when the problem concerns an entry whose name is known. */
  package?: string;
}

export interface CatalogContext extends OpContext {
  distro?: Distro;
}

export interface CatalogerResult {
  packages: Package[];
  gaps: Gap[];
  /** Database files this cataloger actually read (for tests and for users: "what was looked at"). */
  read: string[];
}

export interface Cataloger {
  name: string;
  /** True for image paths whose bodies the cataloger needs (used as flatten's capture). */
  wants(path: string): boolean;
  catalog(fs: FsIndex, ctx: CatalogContext): Promise<CatalogerResult>;
}

export function problemToGap(location: string, p: ParseProblem, packageId?: string): Gap {
  const where = p.line !== undefined ? ` (line ${p.line})` : p.offset !== undefined ? ` (byte ${p.offset})` : '';
  const gap: Gap = { location, message: `${p.message}${where}`, code: p.code ?? 'DB_MALFORMED' };
  const pkg = packageId ?? p.package;
  if (pkg !== undefined) gap.package = pkg;
  return gap;
}

/** Give packages ids unique within the result (the purl, suffixed if the same purl repeats). */
export function assignIds(packages: Package[]): void {
  const seen = new Map<string, number>();
  for (const p of packages) {
    const n = (seen.get(p.purl) ?? 0) + 1;
    seen.set(p.purl, n);
    p.id = n === 1 ? p.purl : `${p.purl}#${n}`;
  }
}

/** A package never owns the package database files themselves (syft's rule). */
export function dropDatabaseFiles(packages: Package[], dbFiles: Iterable<string>): void {
  const db = new Set(dbFiles);
  if (db.size === 0) return;
  for (const p of packages) {
    if (p.files.some((f) => db.has(f))) p.files = p.files.filter((f) => !db.has(f));
  }
}

/** Directory listing of an image dir, following symlinks to find it (e.g. /var/lib/rpm -> …). */
export function listDir(fs: FsIndex, dir: string): { path: string; name: string }[] {
  const real = fs.resolve(dir);
  if (real.entry?.type !== 'dir') return [];
  return fs.list(real.path).map((e) => {
    const name = e.path.slice(e.path.lastIndexOf('/') + 1);
    return { path: dir === '/' ? `/${name}` : `${dir}/${name}`, name };
  });
}
