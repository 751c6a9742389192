// Which packages own which file, kept apart from the catalogers (as syft does): every path a
// package database lists is put through the image's directory symlinks, so `/bin/dash` (dash's
// list) and `/usr/bin/dash` (what the kernel reports) meet. Directories are skipped: every
// package "owns" /usr, and a look at /usr is no use of any of them. The catalogers already leave
// directories out of Package.files; a listed symlink to a directory (/lib64) is kept but can
// only meet a runtime path naming that link itself, and runtime directories are skipped in
// states.ts, so no per-file type check is needed here (it was most of the cost on big images).
import type { Canonicalizer } from './canonical.js';

export interface OwnedFiles {
  id: string;
  files: string[];
}

export class OwnershipIndex {
  private readonly owners = new Map<string, string[]>();

  constructor(packages: Iterable<OwnedFiles>, canon: Canonicalizer) {
    for (const pkg of packages) {
      for (const f of pkg.files) this.add(canon.parent(f), pkg.id);
    }
  }

  private add(path: string, id: string): void {
    const list = this.owners.get(path);
    if (!list) this.owners.set(path, [id]);
    else if (!list.includes(id)) list.push(id);
  }

  /** Package ids owning the canonical path (empty when none). */
  ownersOf(canonicalPath: string): readonly string[] {
    return this.owners.get(canonicalPath) ?? [];
  }

  get size(): number {
    return this.owners.size;
  }
}
