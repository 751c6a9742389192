import { describe, expect, it } from 'vitest';
import { tarStream } from './writer.js';
import { TarFormatError, TarParser, type TarEntry } from './parser.js';

async function tar(entries: Parameters<typeof tarStream>[0]): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of tarStream(entries)) out.push(c);
  return Buffer.concat(out);
}

function parse(buf: Buffer, chunk: number): { entries: TarEntry[]; bodies: Map<string, string>; raw: Buffer } {
  const entries: TarEntry[] = [];
  const bodies = new Map<string, string>();
  const raw: Buffer[] = [];
  const p = new TarParser({
    raw: (b) => raw.push(Buffer.from(b)),
    entry: (e) => {
      entries.push(e);
      return { emit: true, capture: true, done: (b) => bodies.set(e.name, b!.toString()) };
    },
  });
  for (let i = 0; i < buf.length; i += chunk) p.push(buf.subarray(i, i + chunk));
  p.finish();
  return { entries, bodies, raw: Buffer.concat(raw) };
}

describe('TarParser', () => {
  const long = `${'deep/'.repeat(30)}file.txt`;
  it('parses entries, pax long names and bodies at any chunk size, passing raw bytes through verbatim', async () => {
    const buf = await tar([
      { name: 'a/', type: 'dir' },
      { name: 'a/b.txt', body: Buffer.from('hello') },
      { name: long, body: Buffer.from('x'.repeat(1000)) },
      { name: 'link', type: 'symlink', linkname: 'a/b.txt' },
    ]);
    for (const chunk of [1, 7, 512, 513, 100_000]) {
      const { entries, bodies, raw } = parse(buf, chunk);
      expect(entries.map((e) => e.name)).toEqual(['a/', 'a/b.txt', long, 'link']);
      expect(bodies.get('a/b.txt')).toBe('hello');
      expect(bodies.get(long)).toBe('x'.repeat(1000));
      expect(entries[3].linkname).toBe('a/b.txt');
      // Everything but the two end blocks is emitted unchanged.
      expect(raw.equals(buf.subarray(0, buf.length - 1024))).toBe(true);
    }
  });

  it('reports truncation and non-tar input', async () => {
    const buf = await tar([{ name: 'f', body: Buffer.alloc(2000, 1) }]);
    expect(() => parse(buf.subarray(0, 1200), 512)).toThrow(TarFormatError);
    try {
      parse(buf.subarray(0, 1200), 512);
    } catch (e) {
      expect((e as TarFormatError).kind).toBe('truncated');
    }
    try {
      parse(Buffer.alloc(1024, 65), 512);
    } catch (e) {
      expect((e as TarFormatError).kind).toBe('not-tar');
    }
    expect(() => parse(Buffer.alloc(1024, 65), 512)).toThrow(TarFormatError);
  });
});
