// Layers move as streams: pushing and reading back a 128 MB layer must not hold it in memory.
// Memory (not time) is asserted: a sink that buffered the layer would need >= 128 MB.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MediaType } from '../../src/image/image.js';
import { imageFromCore } from '../../src/image/partial.js';
import { read } from '../../src/image/registry/read.js';
import { write } from '../../src/image/registry/write.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const SIZE = 128 * 1024 * 1024;
const CHUNK = randomBytes(1024 * 1024);

/** A deterministic 128 MB "tar" body, generated chunk by chunk and never held whole. */
function layerStream(): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < SIZE / CHUNK.length; i++) {
        const c = Buffer.from(CHUNK);
        c.writeUInt32BE(i, 0);
        yield c;
      }
    })(),
  );
}

let reg: TestRegistry;
beforeAll(async () => {
  reg = await startRegistry();
});
afterAll(async () => {
  await reg?.stop();
});

it('pushes and reads a 128 MB layer with bounded memory', async () => {
  const h = createHash('sha256');
  for await (const c of layerStream()) h.update(c as Buffer);
  const digest = `sha256:${h.digest('hex')}`;
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [digest] } }));
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OCI_MANIFEST,
      config: { mediaType: MediaType.OCI_CONFIG, digest: configDigest, size: config.length },
      layers: [{ mediaType: MediaType.OCI_LAYER, digest, size: SIZE }],
    }),
  );
  const image = await imageFromCore({ rawManifest: async () => manifest, rawConfigFile: async () => config, blob: async () => layerStream() });

  let peak = 0;
  const base = process.memoryUsage().arrayBuffers;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers - base)), 10);
  try {
    const res = await write(`${reg.host}/creach-test/big:v1`, { kind: 'image', image });
    expect(res.stats.uploadedBytes).toBe(SIZE + config.length);
    const back = await read(`${reg.host}/creach-test/big:v1`);
    if (back.kind !== 'image') throw new Error('expected an image');
    const h2 = createHash('sha256');
    let n = 0;
    for await (const c of await (await back.image.layers())[0].uncompressed()) {
      h2.update(c as Buffer);
      n += (c as Buffer).length;
    }
    expect(n).toBe(SIZE);
    expect(`sha256:${h2.digest('hex')}`).toBe(digest);
  } finally {
    clearInterval(timer);
  }
  expect(peak).toBeLessThan(64 * 1024 * 1024);
});
