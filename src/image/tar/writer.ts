// Produce a tar archive as a stream of Buffers from entries whose bodies are buffers or
// re-openable streams of a known size. Bodies are streamed, never gathered; a body whose
// length differs from its declared size is an error (the archive would be corrupt).
import type { Readable } from 'node:stream';
import { CreachError } from '../../errors.js';
import { BLOCK, encodeHeader, padding, type EntryType } from './header.js';

export interface TarSource {
  name: string;
  type?: EntryType;
  mode?: number;
  linkname?: string;
  mtime?: number;
  size?: number;
  body?: Buffer | (() => Promise<Readable>);
  /** Called with each body chunk as it is written (progress). */
  onChunk?: (n: number) => void;
}

export async function* tarStream(entries: Iterable<TarSource> | AsyncIterable<TarSource>, signal?: AbortSignal): AsyncGenerator<Buffer> {
  for await (const e of entries) {
    signal?.throwIfAborted();
    const size = e.body instanceof Buffer ? e.body.length : (e.size ?? 0);
    yield encodeHeader({ name: e.name, type: e.type, mode: e.mode, linkname: e.linkname, mtime: e.mtime, size });
    if (e.body instanceof Buffer) {
      yield e.body;
      e.onChunk?.(e.body.length);
    } else if (typeof e.body === 'function') {
      const stream = await e.body();
      let n = 0;
      try {
        for await (const chunk of stream) {
          signal?.throwIfAborted();
          const b = chunk as Buffer;
          n += b.length;
          if (n > size) break;
          yield b;
          e.onChunk?.(b.length);
        }
      } finally {
        stream.destroy();
      }
      if (n !== size) {
        throw new CreachError('IMAGE_FORMAT', `${e.name}: expected ${size} bytes but the source gave ${n > size ? 'more' : n}`, {
          hint: 'the source image changed or is corrupt while it was being written; try again',
        });
      }
    }
    const pad = padding(size);
    if (pad) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(BLOCK * 2);
}
