// The files of an image archive, whether it is a directory or a tar: read a small file whole,
// open a large one as a stream, and say where an uncompressed file lies on disk (tar only).
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { CreachError, errnoCode } from '../../errors.js';
import { indexTarFile, type IndexedEntry, type TarFileIndex } from '../tar/file-index.js';
import { TarFormatError } from '../tar/parser.js';

export interface ArchiveFiles {
  /** What the user named (for messages). */
  where: string;
  has(rel: string): boolean;
  read(rel: string): Promise<Buffer>;
  open(rel: string): Promise<Readable>;
  size(rel: string): Promise<number>;
  /** Where the file's bytes lie in a tar on disk, when they do. */
  location(rel: string): { path: string; offset: number; length: number } | undefined;
}

const MAX_METADATA = 64 * 1024 * 1024;

function missing(where: string, rel: string): CreachError {
  return new CreachError('IMAGE_FORMAT', `${where}: ${rel} is missing`, { hint: 'the archive is incomplete; re-export the image' });
}

export function dirFiles(dir: string): ArchiveFiles {
  const abs = (rel: string) => {
    const clean = posix.normalize(rel);
    if (clean.startsWith('..') || posix.isAbsolute(clean)) throw new CreachError('IMAGE_FORMAT', `${dir}: path ${rel} leaves the layout`);
    return join(dir, clean);
  };
  return {
    where: dir,
    has: (rel) => existsSync(abs(rel)),
    read: async (rel) => {
      try {
        return await readFile(abs(rel));
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') throw missing(dir, rel);
        throw e;
      }
    },
    open: async (rel) => {
      const p = abs(rel);
      await stat(p).catch((e) => {
        throw errnoCode(e) === 'ENOENT' ? missing(dir, rel) : e;
      });
      return createReadStream(p, { highWaterMark: 1 << 20 });
    },
    size: async (rel) => (await stat(abs(rel))).size,
    location: () => undefined,
  };
}

/** Resolve a tar entry, following symlinks inside the archive (docker save links duplicate layers). */
function resolveEntry(index: TarFileIndex, rel: string): IndexedEntry | undefined {
  let name = posix.normalize(rel).replace(/^\.\//, '');
  for (let hops = 0; hops < 16; hops++) {
    const e = index.entries.get(name);
    if (!e) return undefined;
    if (e.type === 'symlink' || e.type === 'link') {
      const target = e.type === 'link' ? e.linkname : posix.join(posix.dirname(name), e.linkname);
      name = posix.normalize(target).replace(/^\/+/, '');
      if (name.startsWith('..')) return undefined;
      continue;
    }
    return e;
  }
  return undefined;
}

export async function tarFiles(path: string): Promise<ArchiveFiles> {
  let index: TarFileIndex;
  try {
    index = await indexTarFile(path);
  } catch (e) {
    if (e instanceof TarFormatError) {
      throw e.kind === 'truncated'
        ? new CreachError('TAR_TRUNCATED', `${path} is truncated (${e.message})`, { hint: 'the file was cut short; export the image again', cause: e })
        : new CreachError('TAR_NOT_IMAGE', `${path} is not a tar archive`, { hint: 'pass a `docker save` tar, an OCI layout (directory or tar), or an image reference', cause: e });
    }
    if (errnoCode(e) === 'ENOENT') throw new CreachError('IMAGE_NOT_FOUND', `${path} does not exist`, { hint: 'check the path' });
    throw e;
  }
  const get = (rel: string) => {
    const e = resolveEntry(index, rel);
    if (!e || e.type !== 'file') throw missing(path, rel);
    return e;
  };
  return {
    where: path,
    has: (rel) => resolveEntry(index, rel)?.type === 'file',
    read: async (rel) => {
      const e = get(rel);
      if (e.size > MAX_METADATA) throw new CreachError('IMAGE_FORMAT', `${path}: ${rel} is too large for metadata (${e.size} bytes)`);
      if (e.size === 0) return Buffer.alloc(0);
      const chunks: Buffer[] = [];
      for await (const c of createReadStream(path, { start: e.offset, end: e.offset + e.size - 1 })) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    open: async (rel) => {
      const e = get(rel);
      if (e.size === 0) {
        const { Readable } = await import('node:stream');
        return Readable.from([]);
      }
      return createReadStream(path, { start: e.offset, end: e.offset + e.size - 1, highWaterMark: 1 << 20 });
    },
    size: async (rel) => get(rel).size,
    location: (rel) => {
      const e = resolveEntry(index, rel);
      return e && e.type === 'file' ? { path, offset: e.offset, length: e.size } : undefined;
    },
  };
}
