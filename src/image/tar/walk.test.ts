import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { layerTar, padded, rawHeader } from '../fs/testdata-layers.js';
import { TarFormatError, type TarEntry } from './parser.js';
import { walkTarFile, walkTarStream, type WalkHandler } from './walk.js';

async function sample(): Promise<Buffer> {
  const pax = await layerTar([
    { name: 'etc/os-release', body: 'ID=debian\n' },
    { name: 'big/' + 'p'.repeat(130), body: Buffer.alloc(1500, 1) },
    { name: 'var/lib/dpkg/status', body: Buffer.alloc(1024, 0x41) },
    { name: 'empty', body: '' },
    { name: 'lnk', type: 'symlink', linkname: '/t/' + 'q'.repeat(120) },
  ]);
  const longName = Buffer.from('gnu/' + 'n'.repeat(200) + '\0');
  const gnu = Buffer.concat([rawHeader({ name: '././@LongLink', typeflag: 'L', size: longName.length, gnu: true }), padded(longName), rawHeader({ name: 'x', typeflag: '0', size: 3, gnu: true }), padded(Buffer.from('abc'))]);
  // Drop the first tar's end-of-archive blocks and append the GNU members plus our own end.
  return Buffer.concat([pax.subarray(0, pax.length - 1024), gnu, Buffer.alloc(1024)]);
}

function chunked(buf: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
}

const wanted = (name: string) => name === 'etc/os-release' || name === 'var/lib/dpkg/status' || name === 'empty' || name.startsWith('gnu/');

type Seen = [TarEntry, string | undefined];

function collector(): { out: Seen[]; entry: WalkHandler } {
  const out: Seen[] = [];
  return {
    out,
    entry: (e) => (wanted(e.name) ? { capture: true, done: (b) => out.push([e, b!.toString('hex')]) } : { done: () => out.push([e, undefined]) }),
  };
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tarFile(buf: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'creach-test-walk-'));
  dirs.push(dir);
  const f = join(dir, 't');
  await writeFile(f, Buffer.concat([Buffer.alloc(100), buf]));
  return f;
}

async function viaFile(buf: Buffer): Promise<Seen[]> {
  const c = collector();
  await walkTarFile({ path: await tarFile(buf), offset: 100, length: buf.length }, c.entry);
  return c.out;
}

describe('tar walkers', () => {
  it('the stream walker agrees with the positional walker whatever the chunk boundaries', async () => {
    const buf = await sample();
    const expected = await viaFile(buf);
    expect(expected.map(([e]) => e.name)).toEqual(['etc/os-release', 'big/' + 'p'.repeat(130), 'var/lib/dpkg/status', 'empty', 'lnk', 'gnu/' + 'n'.repeat(200)]);
    expect(expected[0]![1]).toBe(Buffer.from('ID=debian\n').toString('hex'));
    expect(expected[1]![1]).toBeUndefined();
    expect(expected[3]![1]).toBe('');
    expect(expected[4]![0].linkname).toBe('/t/' + 'q'.repeat(120));
    expect(expected[5]![1]).toBe(Buffer.from('abc').toString('hex'));
    for (const size of [1, 7, 511, 512, 513, 4096, buf.length]) {
      const c = collector();
      await walkTarStream(chunked(buf, size), c.entry);
      expect(c.out, `chunk size ${size}`).toEqual(expected);
    }
  });

  it('reports the exact byte offset where a stream ends early', async () => {
    const buf = await sample();
    const err = await walkTarStream(chunked(buf.subarray(0, 1000), 100), () => ({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TarFormatError);
    expect(err).toMatchObject({ kind: 'truncated', offset: 1000 });
  });

  it('names the offset of a corrupt header, read either way', async () => {
    const buf = Buffer.from(await sample());
    buf[1024 + 10] ^= 0xff; // inside the second header (the first member has a one-block body)
    const path = await tarFile(buf);
    for (const walk of [(b: Buffer) => walkTarStream(chunked(b, 300), () => ({})), () => walkTarFile({ path, offset: 100, length: buf.length }, () => ({}))]) {
      const err = await walk(buf).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TarFormatError);
      expect(err).toMatchObject({ kind: 'format', offset: 1024 });
    }
  });

  it('an archive of only end blocks is not a tar unless emptyOk (a layer may be empty)', async () => {
    const path = await tarFile(Buffer.alloc(1024));
    const file = { path, offset: 100, length: 1024 };
    await expect(walkTarFile(file, () => ({}))).rejects.toMatchObject({ kind: 'not-tar', offset: 0 });
    await expect(walkTarStream(chunked(Buffer.alloc(1024), 512), () => ({}))).rejects.toMatchObject({ kind: 'not-tar', offset: 0 });
    const seen: string[] = [];
    await walkTarFile(file, (e) => (seen.push(e.name), {}), { emptyOk: true });
    await walkTarStream(chunked(Buffer.alloc(1024), 512), (e) => (seen.push(e.name), {}), { emptyOk: true });
    expect(seen).toEqual([]);
  });
});
