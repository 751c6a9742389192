// Two ways to walk the members of one layer tar, with one output shape:
// - walkTarFile: the tar sits uncompressed in a file on disk (docker save); headers are read
//   with positional reads and bodies are seeked over, so a 300 MB layer costs a few MB of I/O.
// - walkTarStream: any other layer; the decompressed stream goes through tar-stream and bodies
//   that nobody asked for are drained, not kept.
// Only bodies of members whose path satisfies `capture` are read into memory.
import { closeSync, openSync, readSync } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { EntryType } from './fs-index.js';
import { normalizePath } from './image-path.js';
import { BLOCK, entryTypeOf, entryTypeOfName, isZeroBlock, parseHeader, parsePax, TarHeaderError } from './tar-header.js';

export interface TarMember {
  /** Normalized absolute path. */
  path: string;
  type: EntryType;
  /** Symlink target as stored, or the hard-link target as stored in the tar (not normalized). */
  linkTarget?: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
}

export type Visit = (m: TarMember, body?: Buffer) => void;

export interface WalkOptions {
  capture: (path: string) => boolean;
  visit: Visit;
  signal?: AbortSignal;
  /** Called with raw typeflags this walker does not index (for gaps); optional. */
  skipped?: (name: string, typeflag: string) => void;
}

/** Why a walk stopped: the tar ended early, or it is not a valid tar. `offset` is in tar bytes. */
export class TarWalkError extends Error {
  constructor(
    readonly kind: 'truncated' | 'format',
    readonly offset: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
}

/**
 * Positional reader for the header walk. Reads are synchronous on purpose: a walk is tens of
 * thousands of tiny reads of a local file, where the promise round trip of FileHandle.read
 * costs more than the read itself. The window is one block: on a 600 MB, 55k-member layer,
 * reading 512 bytes per header beat 8 KiB and 64 KiB read-ahead windows (less I/O; bodies
 * are mostly larger than what a window could share with the next header).
 */
class WindowReader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  constructor(
    private readonly fd: number,
    private readonly base: number,
    private readonly window = BLOCK,
  ) {}

  /** Read exactly n bytes at tar offset pos (caller checked bounds). */
  read(pos: number, n: number): Buffer {
    if (pos >= this.bufStart && pos + n <= this.bufStart + this.buf.length) {
      return this.buf.subarray(pos - this.bufStart, pos - this.bufStart + n);
    }
    const size = Math.max(n, this.window);
    const b = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < n) {
      const bytesRead = readSync(this.fd, b, got, size - got, this.base + pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got < n) throw new TarWalkError('truncated', pos + got, `file ends at tar byte ${pos + got}, expected ${n} bytes at ${pos}`);
    if (n > this.window) return b.subarray(0, n); // large body: do not keep it as the window
    this.buf = b.subarray(0, got);
    this.bufStart = pos;
    return this.buf.subarray(0, n);
  }
}

function memberName(hdrName: string, pax: Record<string, string>, longName: string | undefined): string {
  return pax.path ?? longName ?? hdrName;
}

/** Walk a tar stored uncompressed at [offset, offset+length) of a file. */
export async function walkTarFile(file: { path: string; offset: number; length: number }, opts: WalkOptions): Promise<void> {
  const fd = openSync(file.path, 'r');
  try {
    const r = new WindowReader(fd, file.offset);
    const length = file.length;
    let pos = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Record<string, string> = {};
    let globalPax: Record<string, string> = {};
    for (;;) {
      throwIfAborted(opts.signal);
      if (pos === length) return; // no end-of-archive blocks: tolerated, as GNU tar does
      if (pos + BLOCK > length) throw new TarWalkError('truncated', pos, `tar ends inside a header at byte ${pos}`);
      const block = r.read(pos, BLOCK);
      if (isZeroBlock(block)) return;
      let h;
      try {
        h = parseHeader(block);
      } catch (e) {
        throw new TarWalkError('format', pos, `invalid tar header at byte ${pos}: ${(e as Error).message}`, { cause: e });
      }
      const merged = { ...globalPax, ...pax };
      const size = merged.size !== undefined ? Number(merged.size) : h.size;
      if (!Number.isSafeInteger(size) || size < 0) throw new TarWalkError('format', pos, `invalid member size at byte ${pos}`);
      const bodyStart = pos + BLOCK;
      if (bodyStart + size > length) {
        throw new TarWalkError('truncated', length, `member "${h.name}" at byte ${pos} needs ${size} bytes but the tar ends at byte ${length}`);
      }
      const next = bodyStart + Math.ceil(size / BLOCK) * BLOCK;
      const meta = (): Buffer => r.read(bodyStart, size);
      try {
        switch (h.typeflag) {
          case 'L':
            longName = meta().toString('utf8').replace(/\0+$/, '');
            break;
          case 'K':
            longLink = meta().toString('utf8').replace(/\0+$/, '');
            break;
          case 'x':
            pax = parsePax(Buffer.from(meta()));
            break;
          case 'g':
            globalPax = { ...globalPax, ...parsePax(Buffer.from(meta())) };
            break;
          default: {
            const name = memberName(h.name, merged, longName);
            const type = entryTypeOf(h.typeflag);
            if (type) {
              const path = normalizePath(name);
              const linkTarget = type === 'symlink' || type === 'hardlink' ? (merged.linkpath ?? longLink ?? h.linkname) : undefined;
              const m: TarMember = {
                path,
                type,
                size: type === 'file' ? size : 0,
                mode: h.mode,
                uid: merged.uid !== undefined ? Number(merged.uid) : h.uid,
                gid: merged.gid !== undefined ? Number(merged.gid) : h.gid,
              };
              if (linkTarget !== undefined) m.linkTarget = linkTarget;
              const body = type === 'file' && opts.capture(path) ? Buffer.from(meta()) : undefined;
              opts.visit(m, body);
            } else {
              opts.skipped?.(name, h.typeflag);
            }
            longName = undefined;
            longLink = undefined;
            pax = {};
          }
        }
      } catch (e) {
        if (e instanceof TarWalkError) throw e;
        if (e instanceof TarHeaderError) throw new TarWalkError('format', pos, `invalid extended header at byte ${pos}: ${e.message}`, { cause: e });
        throw e;
      }
      pos = next;
    }
  } finally {
    closeSync(fd);
  }
}

/** Walk a (decompressed) tar stream with tar-stream, draining bodies that are not captured. */
export async function walkTarStream(source: Readable, opts: WalkOptions): Promise<void> {
  let consumed = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      consumed += chunk.length;
      cb(null, chunk);
    },
  });
  const extract = tar.extract();
  const fed = pipeline(source, counter, extract, opts.signal ? { signal: opts.signal } : {});
  let feedError: unknown;
  fed.catch((e: unknown) => {
    feedError = e;
  });
  try {
    for await (const entry of extract) {
      throwIfAborted(opts.signal);
      const h = entry.header;
      const type = entryTypeOfName(h.type);
      if (!type) {
        opts.skipped?.(h.name, String(h.type));
        entry.resume();
        continue;
      }
      const path = normalizePath(h.name);
      const m: TarMember = { path, type, size: type === 'file' ? (h.size ?? 0) : 0, mode: (h.mode ?? 0o644) & 0o7777, uid: h.uid ?? 0, gid: h.gid ?? 0 };
      if (type === 'symlink' || type === 'hardlink') m.linkTarget = h.linkname ?? '';
      if (type === 'file' && opts.capture(path)) {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        opts.visit(m, Buffer.concat(chunks));
      } else {
        entry.resume();
        opts.visit(m);
      }
    }
    await fed;
  } catch (e) {
    const err = feedError ?? e;
    if (opts.signal?.aborted) throw opts.signal.reason ?? err;
    throw classifyStreamError(err, consumed);
  }
}

function classifyStreamError(e: unknown, offset: number): unknown {
  if (e instanceof TarWalkError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: string } | null)?.code;
  if (/unexpected end/i.test(msg) || code === 'Z_BUF_ERROR' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return new TarWalkError('truncated', offset, `layer data ends early near byte ${offset}: ${msg}`, { cause: e });
  }
  if (/invalid tar header|checksum|incorrect header check|zlib|zstd|invalid/i.test(msg) || code?.startsWith('Z_')) {
    return new TarWalkError('format', offset, `layer is not a valid tar near byte ${offset}: ${msg}`, { cause: e });
  }
  return e;
}
