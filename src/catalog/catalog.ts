// The one entry point scan calls: which image paths the catalogers need (wantsContent, given
// to flatten as `capture`), and catalog(fs) that runs every cataloger over the flattened image.
// Problems with single entries come back as gaps; a package never owns the DB files themselves.
import type { FsIndex } from '../image/fs/fs-index.js';
import type { OpContext } from '../log.js';
import { apkCataloger } from './apk/catalog.js';
import { dpkgCataloger } from './dpkg/catalog.js';
import type { Cataloger, Gap, Package } from './generic.js';
import { assignIds, dropDatabaseFiles } from './generic.js';
import { distroOf, wantsDistroFile, type Distro } from './os-release.js';
import { rpmCataloger } from './rpm/catalog.js';

export type { Cataloger, FileRecord, Gap, Package, PackageType } from './generic.js';
export type { Distro } from './os-release.js';

export interface CatalogResult {
  distro?: Distro;
  packages: Package[];
  gaps: Gap[];
  /** Every database/distro file that was read. */
  read: string[];
}

export const CATALOGERS: readonly Cataloger[] = [dpkgCataloger, apkCataloger, rpmCataloger];

export function wantsContent(path: string): boolean {
  return wantsDistroFile(path) || CATALOGERS.some((c) => c.wants(path));
}

export async function catalog(fs: FsIndex, opts: OpContext = {}): Promise<CatalogResult> {
  const distro = distroOf(fs);
  const packages: Package[] = [];
  const gaps: Gap[] = [];
  const read: string[] = distro ? [distro.source] : [];
  for (const c of CATALOGERS) {
    opts.signal?.throwIfAborted();
    const r = await c.catalog(fs, { ...opts, ...(distro ? { distro } : {}) });
    packages.push(...r.packages);
    gaps.push(...r.gaps);
    read.push(...r.read);
    opts.progress?.({ phase: 'catalog', done: CATALOGERS.indexOf(c) + 1, total: CATALOGERS.length, unit: 'items' });
  }
  // Only package databases: os-release is a real file some package (base-files…) owns.
  dropDatabaseFiles(packages, distro ? read.filter((p) => p !== distro.source) : read);
  assignIds(packages);
  for (const g of gaps) {
    // Gaps name packages by purl; give them the final id.
    if (g.package) g.package = packages.find((p) => p.purl === g.package)?.id ?? g.package;
  }
  return { ...(distro ? { distro } : {}), packages, gaps, read };
}
