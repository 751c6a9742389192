// Output is never left half-written: bytes go to a temp file beside the target, which is
// renamed over the target only after it was fully written and flushed. On any failure (or
// abort) the temp file is removed and the target is untouched.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CreachError, errnoCode } from './errors.js';

function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

function writeError(target: string, e: unknown): CreachError {
  if (e instanceof CreachError) return e;
  const code = errnoCode(e);
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOENT' ? 'its folder does not exist' : code === 'ENOSPC' ? 'no space left on the device' : (e as Error)?.message ?? String(e);
  return new CreachError('OUTPUT_WRITE', `cannot write ${target}: ${why}`, {
    hint: 'choose an output path in a folder that exists and that you can write to',
    cause: e,
  });
}

/** Stream `source` into `target` atomically. */
export async function atomicWriteStream(target: string, source: Readable | AsyncIterable<Uint8Array | string>, signal?: AbortSignal): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    const out = createWriteStream(tmp, { flags: 'wx', mode: 0o644 });
    await pipeline(source instanceof Readable ? source : Readable.from(source), out, { signal });
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw writeError(target, e);
  }
}

/** Write a whole buffer or string to `target` atomically. */
export async function atomicWriteFile(target: string, data: string | Uint8Array, signal?: AbortSignal): Promise<void> {
  await atomicWriteStream(target, Readable.from([typeof data === 'string' ? Buffer.from(data) : data]), signal);
}
