import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Image } from '../image/image.js';
import type { LayerEntry, ListedLayer } from '../image/layer-entries.js';
import { TarParser } from '../image/tar/parser.js';
import { tarStream, type TarSource } from '../image/tar/writer.js';
import { checkSensor, resolvePlacement, sensorLayer } from './sensor-layer.js';

beforeAll(() => {
  process.env.CREACH_CACHE_DIR = ''; // no skeleton cache: these layers are made up
});

let n = 0;
function layer(entries: Partial<LayerEntry>[]): ListedLayer {
  const id = `sha256:${(++n).toString(16).padStart(64, '0')}`;
  const list = entries.map((e) => ({ type: 'dir' as const, linkname: '', ...e }) as LayerEntry);
  const never = async (): Promise<Readable> => {
    throw new Error('not read');
  };
  return {
    digest: async () => id,
    diffId: async () => id,
    size: async () => 0,
    mediaType: async () => 'application/vnd.oci.image.layer.v1.tar',
    compression: async () => 'none',
    compressed: never,
    uncompressed: never,
    entries: async () => list,
  };
}

function image(...layers: ListedLayer[]): Image {
  return { layers: async () => layers } as unknown as Image;
}

describe('resolvePlacement', () => {
  it('is /opt/_instrumented when /opt is a directory or absent', async () => {
    expect(await resolvePlacement(image(layer([{ name: 'opt' }, { name: 'usr' }])))).toEqual(['opt', '_instrumented']);
    expect(await resolvePlacement(image(layer([{ name: 'usr' }])))).toEqual(['opt', '_instrumented']);
  });

  it('follows /opt when it is a symlink, relative or absolute, through upper layers', async () => {
    expect(await resolvePlacement(image(layer([{ name: 'opt', type: 'symlink', linkname: 'var/opt' }, { name: 'var/opt' }])))).toEqual(['var', 'opt', '_instrumented']);
    expect(await resolvePlacement(image(layer([{ name: 'opt' }]), layer([{ name: 'opt', type: 'symlink', linkname: '/srv/../data/opt' }])))).toEqual(['data', 'opt', '_instrumented']);
    // A whiteout in an upper layer removes the symlink below it.
    expect(await resolvePlacement(image(layer([{ name: 'opt', type: 'symlink', linkname: 'x' }]), layer([{ name: '.wh.opt', type: 'file' }])))).toEqual(['opt', '_instrumented']);
    // An upper directory over a lower symlink wins.
    expect(await resolvePlacement(image(layer([{ name: 'opt', type: 'symlink', linkname: 'x' }]), layer([{ name: 'opt' }])))).toEqual(['opt', '_instrumented']);
  });

  it('never leaves the root and refuses loops and files', async () => {
    expect(await resolvePlacement(image(layer([{ name: 'opt', type: 'symlink', linkname: '../../../../host' }])))).toEqual(['host', '_instrumented']);
    await expect(resolvePlacement(image(layer([{ name: 'opt', type: 'symlink', linkname: 'opt2' }, { name: 'opt2', type: 'symlink', linkname: 'opt' }])))).rejects.toThrow(/symlink loop/);
    await expect(resolvePlacement(image(layer([{ name: 'opt', type: 'file' }])))).rejects.toThrow(/is a file/);
  });
});

describe('sensorLayer', () => {
  it('holds the directories, the sensor and a world-writable artifacts dir, and its digests match its bytes', async () => {
    const sensor = Buffer.alloc(64);
    const l = await sensorLayer({ sensor, placement: ['var', 'opt', '_instrumented'], mtime: 0, family: 'oci' });
    const chunks: Buffer[] = [];
    for await (const c of await l.compressed()) chunks.push(c as Buffer);
    const tar = gunzipSync(Buffer.concat(chunks));
    const seen: [string, number][] = [];
    const p = new TarParser({ entry: (e) => (seen.push([e.name, e.mode]), {}) });
    p.push(tar);
    p.finish();
    expect(seen).toEqual([
      ['var/', 0o755],
      ['var/opt/', 0o755],
      ['var/opt/_instrumented/', 0o755],
      ['var/opt/_instrumented/creach-sensor', 0o755],
      ['var/opt/_instrumented/artifacts/', 0o777],
    ]);
    const { createHash } = await import('node:crypto');
    expect(await l.diffId()).toBe(`sha256:${createHash('sha256').update(tar).digest('hex')}`);
    expect(await l.size()).toBe(Buffer.concat(chunks).length);
  });

  it('checks the sensor is an ELF for the platform', () => {
    const elf = Buffer.alloc(64);
    elf.writeUInt32BE(0x7f454c46, 0);
    elf[5] = 1;
    elf.writeUInt16LE(183, 18);
    expect(() => checkSensor(elf, { os: 'linux', architecture: 'arm64' }, 's')).not.toThrow();
    expect(() => checkSensor(elf, { os: 'linux', architecture: 'amd64' }, 's')).toThrow(/not for amd64/);
    expect(() => checkSensor(Buffer.from('#!/bin/sh\n'), { os: 'linux', architecture: 'amd64' }, 's')).toThrow(/not an ELF/);
  });
});

/** A layer streamed in 512-byte chunks that fails if read past `limit` bytes. */
async function streamedLayer(entries: TarSource[], limit = Infinity): Promise<{ layer: import('../image/image.js').Layer; read: () => number }> {
  const chunks: Buffer[] = [];
  for await (const c of tarStream(entries)) chunks.push(c);
  const tar = Buffer.concat(chunks);
  const id = `sha256:${(++n).toString(16).padStart(64, 'f')}`;
  let read = 0;
  async function* gen() {
    for (let i = 0; i < tar.length; i += 512) {
      if (i >= limit) throw new Error('read too far');
      read = i + 512;
      yield tar.subarray(i, i + 512);
    }
  }
  const layer = {
    digest: async () => id,
    diffId: async () => id,
    size: async () => tar.length,
    mediaType: async () => 'application/vnd.oci.image.layer.v1.tar',
    compression: async () => 'none' as const,
    compressed: async () => Readable.from(gen()),
    uncompressed: async () => Readable.from(gen()),
  };
  return { layer, read: () => read };
}

// Layer entry order proves nothing (docker import and some pushes are out of path order), so
// the check reads layers whole; a skeleton cache keeps the second time cheap.
describe('resolvePlacement on streamed layers', () => {
  const big = Buffer.alloc(512 * 200);
  it('reads an out-of-order layer whole, and finds /opt at its end', async () => {
    const { layer, read } = await streamedLayer([
      { name: 'usr/', type: 'dir' },
      { name: 'usr/big', body: big },
      { name: 'etc/', type: 'dir' },
      { name: 'opt', type: 'symlink', linkname: '/srv/opt' },
    ]);
    expect(await resolvePlacement(image(layer as ListedLayer))).toEqual(['srv', 'opt', '_instrumented']);
    expect(read()).toBeGreaterThan(big.length);
  });
});
