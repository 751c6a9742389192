// One name per file. The app names files as it likes (/lib/x86_64-linux-gnu/libc.so.6, /bin/sh)
// and the package database names them as the package ships them (/usr/lib/…, /bin/dash); on a
// merged-/usr image those are the same files. Both sides are put through the image's own
// symlinks (FsIndex.resolve: bounded, never leaves the root) before they are compared.
import { posix } from 'node:path';

/** What canonicalisation needs from the image's filesystem index (src/image/fs/fs-index.ts). */
export interface ResolvingTree {
  resolve(path: string): { path: string; entry?: { type: string } | undefined; loop?: boolean; escaped?: boolean } | undefined;
  /** The entry at exactly this path, links not followed: lets the common case skip resolve. */
  get?(path: string): { type: string } | undefined;
}

/** A `//`, `/./`, `/../` or a trailing `/`, `/.`, `/..`: the only things normalising changes. */
const NOT_CLEAN = /\/\.{0,2}(?:\/|$)/;

/** Lexical clean-up: absolute, no `.`/`..`/`//`, `..` stops at the root. */
export function normalizePath(p: string): string {
  // Nearly every path from a package list or a report is already clean; skip the work then.
  if (p.charCodeAt(0) === 47 && !NOT_CLEAN.test(p)) return p;
  const n = posix.normalize(`/${p}`);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** dirname and basename of a clean absolute path other than '/'. */
function split(p: string): { dir: string; base: string } {
  const i = p.lastIndexOf('/');
  return { dir: i === 0 ? '/' : p.slice(0, i), base: p.slice(i + 1) };
}

export class Canonicalizer {
  private readonly dirs = new Map<string, string>();
  private readonly fulls = new Map<string, { path: string; type: string | undefined }>();

  constructor(private readonly tree: ResolvingTree) {}

  /** The directory's real path, every symlink on the way (and the last one) followed. */
  dir(path: string): string {
    const p = normalizePath(path);
    if (p === '/') return p;
    let c = this.dirs.get(p);
    if (c === undefined) {
      // Resolve the parent first (memoised) so a deep tree costs one lookup per new component.
      const { dir, base } = split(p);
      const parent = this.dir(dir);
      const joined = parent === '/' ? `/${base}` : `${parent}/${base}`;
      // The parent is already real, so only a symlink (or a missing entry) needs resolving.
      const e = this.tree.get?.(joined);
      if (e && e.type !== 'symlink') c = joined;
      else {
        const r = this.tree.resolve(joined);
        c = r && !r.loop ? normalizePath(r.path) : joined;
      }
      this.dirs.set(p, c);
    }
    return c;
  }

  /**
   * The path with its directories made real but its last component kept: the name a package
   * database's entry stands for (a package that ships a symlink owns the link, not its target).
   */
  parent(path: string): string {
    const p = normalizePath(path);
    if (p === '/') return p;
    const { dir, base } = split(p);
    const d = this.dir(dir);
    return d === '/' ? `/${base}` : `${d}/${base}`;
  }

  /** The file the path finally names, every symlink followed (the file the kernel opened). */
  full(path: string): string {
    return this.lookup(path).path;
  }

  /** True when the path finally names a directory: directories are shared, never evidence. */
  isDirectory(path: string): boolean {
    const t = this.lookup(path).type;
    return t === 'dir' || t === 'directory';
  }

  /** True when the path names something in the image (after following symlinks). */
  exists(path: string): boolean {
    return this.lookup(path).type !== undefined;
  }

  private lookup(path: string): { path: string; type: string | undefined } {
    const p = this.parent(path);
    let c = this.fulls.get(p);
    if (c === undefined) {
      const e = this.tree.get?.(p);
      if (e && e.type !== 'symlink') c = { path: p, type: e.type };
      else {
        const r = this.tree.resolve(p);
        c = r && !r.loop ? { path: normalizePath(r.path), type: r.entry?.type } : { path: p, type: undefined };
      }
      this.fulls.set(p, c);
    }
    return c;
  }
}
