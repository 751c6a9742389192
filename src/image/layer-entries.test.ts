import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { imageOf, layerTar } from './fs/testdata-layers.js';
import { layerEntries } from './layer-entries.js';

describe('layerEntries', () => {
  it('lists an empty layer (only the end blocks, as builders write for no-op steps) as no entries', async () => {
    const empty = Buffer.alloc(1024);
    const img = await imageOf([await layerTar([{ name: 'etc/', type: 'directory' }]), gzipSync(empty)]);
    const [, emptyLayer] = await img.layers();
    expect(await layerEntries(emptyLayer)).toEqual([]);
  });

  it('still rejects a layer that is not a tar at all', async () => {
    const img = await imageOf([gzipSync(Buffer.from('this is not a tar archive, just some text'.repeat(20)))]);
    const [bad] = await img.layers();
    await expect(layerEntries(bad)).rejects.toMatchObject({ code: expect.stringMatching(/LAYER_FORMAT|TAR_TRUNCATED/) });
  });
});
