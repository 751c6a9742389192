import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256, sha256Stream } from '../digest.js';
import type { FileBackedLayer } from '../partial.js';
import { tarStream, type TarSource } from '../tar/writer.js';
import { read } from './read.js';

async function tar(entries: TarSource[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of tarStream(entries)) out.push(c);
  return Buffer.concat(out);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'creach-archive-read-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function legacyArchive(compressLayer: boolean): Promise<{ path: string; layerTar: Buffer }> {
  const layerTar = await tar([{ name: 'hello.txt', body: Buffer.from('hello\n') }]);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] } }));
  const stored = compressLayer ? gzipSync(layerTar) : layerTar;
  const path = join(dir, `legacy-${compressLayer ? 'gz' : 'plain'}.tar`);
  await writeFile(
    path,
    await tar([
      { name: 'abc/layer.tar', body: stored },
      { name: 'dup/layer.tar', type: 'symlink', linkname: '../abc/layer.tar' },
      { name: 'cfg.json', body: config },
      { name: 'manifest.json', body: Buffer.from(JSON.stringify([{ Config: 'cfg.json', RepoTags: ['app:1'], Layers: ['dup/layer.tar'] }])) },
    ]),
  );
  return { path, layerTar };
}

describe('docker-archive read (legacy layout)', () => {
  it('reads an uncompressed layer in place, through docker save duplicate-layer symlinks', async () => {
    const { path, layerTar } = await legacyArchive(false);
    const r = await read(path);
    expect(r.names).toEqual(['app:1']);
    if (r.image.kind !== 'image') throw new Error('image expected');
    const [layer] = (await r.image.image.layers()) as FileBackedLayer[];
    expect(await layer.digest()).toBe(sha256(layerTar));
    expect(layer.file).toMatchObject({ path, length: layerTar.length });
    expect((await sha256Stream(await layer.uncompressed())).digest).toBe(sha256(layerTar));
  });

  it('hashes a compressed layer file and exposes no file range for it', async () => {
    const { path, layerTar } = await legacyArchive(true);
    const r = await read(path);
    if (r.image.kind !== 'image') throw new Error('image expected');
    const [layer] = (await r.image.image.layers()) as FileBackedLayer[];
    expect(await layer.compression()).toBe('gzip');
    expect(await layer.digest()).toBe((await sha256Stream(await layer.compressed())).digest);
    expect(await layer.diffId()).toBe(sha256(layerTar));
    expect((await sha256Stream(await layer.uncompressed())).digest).toBe(sha256(layerTar));
    expect(layer.file).toBeUndefined();
  });

  it('names the file when it is not an image', async () => {
    const path = join(dir, 'other.tar');
    await writeFile(path, await tar([{ name: 'x', body: Buffer.from('x') }]));
    await expect(read(path)).rejects.toMatchObject({ code: 'TAR_NOT_IMAGE', message: expect.stringContaining(path) });
  });
});
