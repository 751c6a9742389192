// Build an FsIndex straight from a list of paths, without any tar: for catalog and reach tests
// that only need a filesystem shape (files with bodies, directories, symlinks).
import { FsIndex } from './fs-index.js';
import { normalizePath } from './image-path.js';

export type MemoryNode = Buffer | string | { symlink: string } | { dir: true };

/** Files given as Buffer/string are regular files with captured bodies. */
export function fsIndexFromFiles(files: Record<string, MemoryNode>): FsIndex {
  const fs = new FsIndex();
  for (const [raw, node] of Object.entries(files)) {
    const path = normalizePath(raw);
    const base = { path, size: 0, mode: 0o644, uid: 0, gid: 0, layer: 0 };
    if (typeof node === 'string' || Buffer.isBuffer(node)) {
      const body = Buffer.isBuffer(node) ? node : Buffer.from(node);
      fs.put({ ...base, type: 'file', size: body.length }, body);
    } else if ('symlink' in node) {
      fs.put({ ...base, type: 'symlink', linkTarget: node.symlink, mode: 0o777 });
    } else {
      fs.put({ ...base, type: 'dir', mode: 0o755 });
    }
  }
  return fs;
}
