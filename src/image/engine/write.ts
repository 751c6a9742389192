// Sink: load into the local Docker engine (`POST /images/load`), streaming the same tar the
// docker-archive sink writes; errors arrive in-band in the engine's JSON stream.
import type { OpContext } from '../../log.js';
import type { ImageOrIndex, Platform } from '../image.js';
import { stream as archiveStream } from '../docker-archive/write.js';
import { EngineClient } from './client.js';

export interface EngineWriteOptions extends OpContext {
  dockerHost?: string;
  platform?: Platform;
}

/** Load `src` into the engine tagged `name`; returns what the engine says it loaded. */
export async function write(name: string, src: ImageOrIndex, opts: EngineWriteOptions = {}): Promise<string[]> {
  const client = new EngineClient(opts);
  await client.apiVersion(); // fail fast, before producing any bytes, when the daemon is down
  const { body } = await archiveStream(src, { ...opts, name, phase: `loading ${name}` });
  return client.load(body);
}
