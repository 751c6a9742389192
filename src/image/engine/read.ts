// Source: an image in the local Docker engine. The export (`/images/{name}/get`) is streamed
// once into a private temp file and then read as a docker-archive by offset, so layers can be
// reopened without asking the engine again. The temp file goes when the process exits.
import { createWriteStream, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CreachError } from '../../errors.js';
import type { OpContext } from '../../log.js';
import { read as readArchive, type ArchiveReadResult } from '../docker-archive/read.js';
import { EngineClient, type ImageInspect } from './client.js';

export interface EngineReadOptions extends OpContext {
  dockerHost?: string;
}

const tempDirs = new Set<string>();
let exitHook = false;

/** A private temp dir removed when the process exits (also on Ctrl-C through main's abort). */
export function privateTempDir(prefix: string): string {
  const dir = mkdtempSync(join(process.env.CREACH_TMPDIR || tmpdir(), prefix));
  tempDirs.add(dir);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/**
 * On Linux the export is unlinked as soon as it is open and read through /proc/self/fd/N: the
 * kernel frees it when the process ends, however it ends (a killed test worker, an OOM kill),
 * so no export is ever left behind in the temp folder. Elsewhere the exit hook removes it.
 */
function holdUnlinked(file: string, dir: string): string {
  if (!existsSync('/proc/self/fd')) return file;
  const fd = openSync(file, 'r');
  removeTempDir(dir);
  return `/proc/self/fd/${fd}`;
}

export function notFound(name: string, where: string): CreachError {
  return new CreachError('IMAGE_NOT_FOUND', `the Docker engine at ${where} has no image ${name}`, {
    hint: 'check the name with `docker images`, or pull/build the image first',
  });
}

/** Does the engine have this image? (undefined when it does not) */
export async function exists(name: string, opts: EngineReadOptions = {}): Promise<ImageInspect | undefined> {
  return new EngineClient(opts).inspect(name);
}

export function counting(phase: string, total: number | undefined, opts: OpContext): Transform {
  let done = 0;
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      done += chunk.length;
      opts.progress?.({ phase, done, total, unit: 'bytes' });
      cb(null, chunk);
    },
  });
}

export async function read(name: string, opts: EngineReadOptions = {}): Promise<ArchiveReadResult & { inspect: ImageInspect }> {
  const client = new EngineClient(opts);
  const inspect = await client.inspect(name);
  if (!inspect) throw notFound(name, client.where);
  const dir = privateTempDir('creach-engine-');
  const file = join(dir, 'image.tar');
  const res = await client.export(name);
  try {
    await pipeline(res, counting(`exporting ${name}`, undefined, opts), createWriteStream(file), { signal: opts.signal });
  } catch (e) {
    removeTempDir(dir);
    if (e instanceof CreachError) throw e;
    throw new CreachError('DAEMON_ERROR', `exporting ${name} from the Docker engine failed: ${(e as Error).message}`, { cause: e, hint: 'see the engine log for detail' });
  }
  const r = await readArchive(holdUnlinked(file, dir));
  return { ...r, inspect };
}
