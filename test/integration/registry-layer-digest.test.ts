// A registry layer's listing (the skeleton instrument caches per diffID) is only returned, and
// only cached, once the layer's digest has been checked. The registry here is real; its stored
// blob is overwritten on disk with another valid gzip'd tar (where /opt is a symlink, followed
// by junk), as a corrupt or hostile registry storage would serve it.
import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sha256 } from '../../src/image/digest.js';
import { imageOf, layerTar } from '../../src/image/fs/testdata-layers.js';
import { layerSkeleton } from '../../src/image/layer-entries.js';
import { read } from '../../src/image/registry/read.js';
import { write } from '../../src/image/registry/write.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

let reg: TestRegistry;
let cacheDir: string;
beforeAll(async () => {
  reg = await startRegistry();
  cacheDir = await mkdtemp(join(tmpdir(), 'creach-test-skeletons-'));
});
afterAll(async () => {
  await reg?.stop();
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

it('a layer whose bytes do not match its digest is refused, and its skeleton is not cached', async () => {
  const honest = await layerTar([{ name: 'opt/', type: 'directory' }, { name: 'opt/app', body: 'x'.repeat(4000) }]);
  const hostile = await layerTar([{ name: 'opt', type: 'symlink', linkname: '/etc' }, { name: 'etc/app', body: 'y'.repeat(4000) }]);
  const ref = `${reg.host}/creach-test/digest:v1`;
  await write(ref, { kind: 'image', image: await imageOf([honest], { gzip: true }) });

  const pulled = await read(ref);
  if (pulled.kind !== 'image') throw new Error('expected an image');
  const [layer] = await pulled.image.layers();
  // Before the damage, the real listing, cached.
  const good = await layerSkeleton(layer, { cacheDir });
  expect(good.map((e) => e.name)).toEqual(['opt', 'opt/app']);
  await rm(cacheDir, { recursive: true, force: true });

  const digest = await layer.digest();
  const stored = join(reg.dir, 'data/docker/registry/v2/blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data');
  // Bytes after the tar's end blocks: a walk that stopped reading there would return before the
  // blob's last byte, where its digest is checked.
  const replacement = gzipSync(Buffer.concat([hostile, randomBytes(4 * 1024 * 1024)]));
  expect(sha256(replacement)).not.toBe(digest);
  await writeFile(stored, replacement);

  await expect(layerSkeleton(layer, { cacheDir })).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  const cached = await readdir(cacheDir).catch(() => []);
  expect(cached.filter((f) => f.endsWith('.json'))).toEqual([]);
});
