// The flattened filesystem of an image, held in memory as metadata only: path → entry.
// Bodies are kept only for the few paths a caller asked to capture (package databases,
// os-release). `resolve` follows the image's own symlinks with chroot semantics: bounded,
// '..' clamped at the root, absolute targets re-rooted at the image root, never out.
import type { ErrorCode } from '../../errors.js';
import type { MemberKind } from '../tar/header.js';
import { normalizePath, parentPath } from './image-path.js';

export type EntryType = MemberKind;

export interface FsEntry {
  /** Normalized absolute path. */
  path: string;
  type: EntryType;
  /** Symlink: the target exactly as stored. Hard link: the normalized absolute path of the target. */
  linkTarget?: string;
  size: number;
  /** Permission bits (07777), as the tar header stores them. */
  mode: number;
  uid: number;
  gid: number;
  /** Index of the layer (base = 0) that last wrote this entry; -1 for directories nobody listed. */
  layer: number;
}

/** A problem with one item that did not stop the whole operation: shown to users, never dropped. */
export interface Gap {
  /** The file (image path or DB path) or layer the problem is about. */
  location: string;
  message: string;
  code?: ErrorCode;
  /** Layer number (base = 0) when the gap is about a layer. */
  layer?: number;
  /** Package id when the gap concerns one package's data (for example its file list). */
  package?: string;
}

export interface ResolveResult {
  /** Canonical path inside the image after following symlinks (exists or not). */
  path: string;
  /** The entry at `path`, if there is one. */
  entry?: FsEntry;
  /** Resolution stopped because more than MAX_SYMLINK_HOPS links were followed. */
  loop: boolean;
  /** A link (or the input) tried to go above the root with '..'; it was clamped at the root. */
  escaped: boolean;
}

export interface ResolveOptions {
  /** Follow a symlink in the last component too (default true, like stat; false is lstat). */
  followLast?: boolean;
}

/** Linux's own limit on symlink hops in one lookup (MAXSYMLINKS). */
export const MAX_SYMLINK_HOPS = 40;

function isLastComponent(parts: string[], from: number): boolean {
  for (let j = from; j < parts.length; j++) if (parts[j] !== '' && parts[j] !== '.') return false;
  return true;
}

const ROOT: FsEntry = { path: '/', type: 'dir', size: 0, mode: 0o755, uid: 0, gid: 0, layer: -1 };

export class FsIndex {
  private readonly byPath = new Map<string, FsEntry>([['/', { ...ROOT }]]);
  /** dir path → paths of its direct children (same string objects as the map keys). */
  private readonly children = new Map<string, Set<string>>();
  private readonly bodies = new Map<string, Buffer>();
  readonly gaps: Gap[] = [];

  get size(): number {
    return this.byPath.size;
  }

  /** The entry stored at exactly this path (symlinks not followed). */
  get(path: string): FsEntry | undefined {
    return this.byPath.get(normalizePath(path));
  }

  entries(): IterableIterator<FsEntry> {
    return this.byPath.values();
  }

  /** Direct children of a directory (the literal path; use resolve() first to follow links). */
  list(dir: string): FsEntry[] {
    const kids = this.children.get(normalizePath(dir));
    if (!kids) return [];
    const out: FsEntry[] = [];
    for (const k of kids) {
      const e = this.byPath.get(k);
      if (e) out.push(e);
    }
    return out;
  }

  /** Body of a captured file, following symlinks and hard links inside the image. */
  content(path: string): Buffer | undefined {
    const r = this.resolve(path);
    let p = r.path;
    if (r.entry?.type === 'hardlink' && r.entry.linkTarget) p = r.entry.linkTarget;
    return this.bodies.get(p) ?? this.bodies.get(r.path);
  }

  /** Whether the body stored at exactly this path was captured. */
  hasBody(path: string): boolean {
    return this.bodies.has(normalizePath(path));
  }

  /** Paths whose bodies were captured. */
  capturedPaths(): string[] {
    return [...this.bodies.keys()];
  }

  resolve(path: string, opts: ResolveOptions = {}): ResolveResult {
    const followLast = opts.followLast ?? true;
    let parts = path.split('/');
    let i = 0;
    let cur = ''; // canonical prefix, '' = the root
    let hops = 0;
    let escaped = false;
    while (i < parts.length) {
      const c = parts[i++] as string;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        if (cur === '') escaped = true;
        else cur = cur.slice(0, cur.lastIndexOf('/'));
        continue;
      }
      const candidate = `${cur}/${c}`;
      const e = this.byPath.get(candidate);
      if (e !== undefined && e.type === 'symlink' && (followLast || !isLastComponent(parts, i))) {
        if (++hops > MAX_SYMLINK_HOPS) return { path: candidate, entry: e, loop: true, escaped };
        const target = e.linkTarget ?? '';
        // An absolute target means the image root, never the host's.
        if (target.startsWith('/')) cur = '';
        parts = target.split('/').concat(parts.slice(i));
        i = 0;
        continue;
      }
      cur = candidate;
    }
    const canonical = cur === '' ? '/' : cur;
    const entry = this.byPath.get(canonical);
    return entry ? { path: canonical, entry, loop: false, escaped } : { path: canonical, loop: false, escaped };
  }

  // ---- building (used by flatten and by tests) ----

  /**
   * Add or replace an entry, as extracting a tar member over an existing tree does: a directory
   * over a directory keeps the children; anything else replaces the old subtree. Missing parent
   * directories are created; a non-directory in a parent's place is replaced by a directory.
   */
  put(entry: FsEntry, body?: Buffer): void {
    const path = entry.path;
    if (path === '/') {
      if (entry.type === 'dir') this.byPath.set('/', { ...entry, path: '/' });
      return;
    }
    this.ensureDir(parentPath(path));
    const old = this.byPath.get(path);
    if (old) {
      if (!(old.type === 'dir' && entry.type === 'dir')) this.remove(path);
      else {
        this.byPath.set(path, entry);
        return;
      }
    }
    this.byPath.set(path, entry);
    this.childSet(parentPath(path)).add(path);
    if (body) this.bodies.set(path, body);
  }

  /** Remove an entry and everything below it. */
  remove(path: string): void {
    const p = normalizePath(path);
    if (p === '/') {
      this.removeChildren('/');
      return;
    }
    if (!this.byPath.has(p)) return;
    this.removeChildren(p);
    this.children.delete(p);
    this.byPath.delete(p);
    this.bodies.delete(p);
    this.children.get(parentPath(p))?.delete(p);
  }

  /** Remove everything below a directory but keep the directory (an opaque whiteout). */
  removeChildren(path: string): void {
    const p = normalizePath(path);
    const kids = this.children.get(p);
    if (!kids) return;
    for (const k of [...kids]) this.remove(k);
  }

  addGap(gap: Gap): void {
    this.gaps.push(gap);
  }

  private childSet(dir: string): Set<string> {
    let s = this.children.get(dir);
    if (!s) {
      s = new Set();
      this.children.set(dir, s);
    }
    return s;
  }

  private ensureDir(dir: string): void {
    if (dir === '/') return;
    const e = this.byPath.get(dir);
    if (e?.type === 'dir') return;
    this.ensureDir(parentPath(dir));
    if (e) this.remove(dir);
    this.byPath.set(dir, { path: dir, type: 'dir', size: 0, mode: 0o755, uid: 0, gid: 0, layer: -1 });
    this.childSet(parentPath(dir)).add(dir);
  }
}
