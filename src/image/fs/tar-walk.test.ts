import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TarWalkError, walkTarFile, walkTarStream, type TarMember } from './tar-walk.js';
import { layerTar, padded, rawHeader } from './testdata-layers.js';

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

const capture = (p: string) => p === '/etc/os-release' || p === '/var/lib/dpkg/status' || p === '/empty' || p.startsWith('/gnu/');

async function viaFile(buf: Buffer): Promise<[TarMember, string | undefined][]> {
  const dir = await mkdtemp(join(tmpdir(), 'creach-test-walk-'));
  const f = join(dir, 't');
  await writeFile(f, Buffer.concat([Buffer.alloc(100), buf]));
  const out: [TarMember, string | undefined][] = [];
  await walkTarFile({ path: f, offset: 100, length: buf.length }, { capture, visit: (m, b) => out.push([m, b?.toString('hex')]) });
  return out;
}

describe('tar walkers', () => {
  it('the stream walker agrees with the positional walker whatever the chunk boundaries', async () => {
    const buf = await sample();
    const expected = await viaFile(buf);
    expect(expected.map(([m]) => m.path)).toEqual(['/etc/os-release', '/big/' + 'p'.repeat(130), '/var/lib/dpkg/status', '/empty', '/lnk', '/gnu/' + 'n'.repeat(200)]);
    expect(expected[0]![1]).toBe(Buffer.from('ID=debian\n').toString('hex'));
    expect(expected[1]![1]).toBeUndefined();
    expect(expected[3]![1]).toBe('');
    for (const size of [1, 7, 511, 512, 513, 4096, buf.length]) {
      const got: [TarMember, string | undefined][] = [];
      await walkTarStream(chunked(buf, size), { capture, visit: (m, b) => got.push([m, b?.toString('hex')]) });
      expect(got, `chunk size ${size}`).toEqual(expected);
    }
  });

  it('reports the exact byte offset where a stream ends early', async () => {
    const buf = await sample();
    const err = await walkTarStream(chunked(buf.subarray(0, 1000), 100), { capture, visit: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TarWalkError);
    expect(err).toMatchObject({ kind: 'truncated', offset: 1000 });
  });

  it('names the offset of a corrupt header', async () => {
    const buf = Buffer.from(await sample());
    buf[1024 + 10] ^= 0xff; // inside the second header (the first member has a one-block body)
    for (const walk of [(b: Buffer) => walkTarStream(chunked(b, 300), { capture, visit: () => {} })]) {
      const err = await walk(buf).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'format', offset: 1024 });
    }
  });
});
