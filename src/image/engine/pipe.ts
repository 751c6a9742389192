// Engine to engine in one streaming pass: `/images/{name}/get` flows through the legacy archive
// rewrite straight into `/images/load`; no temp file, unchanged layers never re-read or re-hashed.
// Only for engines that export the legacy layout (Docker before 25 or the classic store);
// callers fall back to the general path when this returns undefined.
import type { OpContext } from '../../log.js';
import type { Image, Platform } from '../image.js';
import { rewriteLegacyArchive, type RewriteResult } from '../docker-archive/rewrite.js';
import { decodeHeader, cleanName } from '../tar/header.js';
import { EngineClient, type ImageInspect } from './client.js';
import { notFound } from './read.js';

export interface PipeOptions extends OpContext {
  dockerHost?: string;
}

async function* withHead(head: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* head;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield r.value;
  }
}

/** Export `name`, let `change` derive the new image, and load it; undefined when the export is not the legacy layout. */
export async function pipeThroughEngine(
  name: string,
  change: (base: Image, platform: Platform, inspect: ImageInspect) => Promise<RewriteResult>,
  opts: PipeOptions = {},
): Promise<{ name: string; loaded: string[] } | undefined> {
  const client = new EngineClient(opts);
  const inspect = await client.inspect(name);
  if (!inspect) throw notFound(name, client.where);
  const platform: Platform = { os: inspect.Os ?? 'linux', architecture: inspect.Architecture ?? 'amd64', ...(inspect.Variant ? { variant: inspect.Variant } : {}) };
  const res = await client.export(name);
  const phase = `instrumenting ${name}`;
  let done = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const c of res) {
      done += (c as Buffer).length;
      opts.progress?.({ phase, done, unit: 'bytes' });
      yield c as Buffer;
    }
  }
  const it = counted();
  // Look at the first header: Docker 25+ exports (OCI layout first) take the general path.
  const head: Buffer[] = [];
  let len = 0;
  while (len < 512) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    len += r.value.length;
  }
  const first = decodeHeader(Buffer.concat(head).subarray(0, 512));
  const firstName = first ? cleanName(first.name) : '';
  if (!first || firstName.startsWith('blobs') || firstName === 'index.json' || firstName === 'oci-layout') {
    res.destroy();
    return undefined;
  }
  let result: RewriteResult | undefined;
  const body = rewriteLegacyArchive(withHead(head, it), `the export of ${name}`, async (base) => (result = await change(base, platform, inspect)), opts);
  const loaded = await client.load(body);
  return { name: result!.name, loaded };
}
