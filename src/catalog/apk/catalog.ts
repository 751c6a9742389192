// apk keeps one database: /lib/apk/db/installed (apk-tools 3 may move it under /usr/lib/apk).
import type { FsIndex, Gap } from '../../image/fs/fs-index.js';
import type { CatalogContext, Cataloger, CatalogerResult, Package } from '../generic.js';
import { problemToGap } from '../generic.js';
import { apkPackage } from './package.js';
import { parseApkInstalled } from './parse-installed.js';

export const APK_DB_PATHS = ['/lib/apk/db/installed', '/usr/lib/apk/db/installed'];

export function wants(path: string): boolean {
  return APK_DB_PATHS.includes(path);
}

export async function catalogApk(fs: FsIndex, ctx: CatalogContext): Promise<CatalogerResult> {
  const packages: Package[] = [];
  const gaps: Gap[] = [];
  const read: string[] = [];
  const seen = new Set<string>();
  for (const path of APK_DB_PATHS) {
    // Both paths may be one file through a symlink; read it once.
    const real = fs.resolve(path);
    if (!real.entry || seen.has(real.path)) continue;
    const body = fs.content(path);
    if (!body) continue;
    seen.add(real.path);
    read.push(path);
    const parsed = parseApkInstalled(body.toString('utf8'));
    for (const p of parsed.problems) gaps.push(problemToGap(path, p));
    if (parsed.entries.length === 0 && parsed.problems.length === 0) {
      gaps.push({ location: path, message: 'apk database lists no installed packages', code: 'DB_MALFORMED' });
    }
    for (const e of parsed.entries) packages.push(apkPackage(e, path, ctx.distro));
  }
  return { packages, gaps, read };
}

export const apkCataloger: Cataloger = { name: 'apk', wants, catalog: catalogApk };
