import { describe, expect, it } from 'vitest';
import { rawHeader } from '../fs/testdata-layers.js';
import { decodeHeader, encodeHeader, entryType, Extensions, memberKind, parseHeader, TarHeaderError } from './header.js';

function paxBody(records: Record<string, string>): Buffer {
  let s = '';
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    s += `${len}${body}`;
  }
  return Buffer.from(s);
}

describe('tar headers', () => {
  it('reads GNU base-256 sizes and ustar prefixes, and refuses what is not a header', () => {
    expect(parseHeader(rawHeader({ name: 'big', typeflag: '0', size: 9 * 2 ** 33, base256Size: true, gnu: true })).size).toBe(9 * 2 ** 33);
    const long = `${'d/'.repeat(60)}file`;
    expect(parseHeader(encodeHeader({ name: long.slice(-90) })).name).toBe(long.slice(-90));
    expect(decodeHeader(Buffer.alloc(512, 0x41))).toBeUndefined();
    expect(() => parseHeader(Buffer.alloc(512, 0x41))).toThrow(TarHeaderError);
  });

  it('maps typeflags to both vocabularies', () => {
    expect(['0', '1', '2', '3', '5', '6', '7', 'V'].map(memberKind)).toEqual(['file', 'hardlink', 'symlink', 'char', 'dir', 'fifo', 'file', undefined]);
    expect(['0', '1', '2', '3', '5'].map(entryType)).toEqual(['file', 'link', 'symlink', 'other', 'dir']);
  });

  it('applies pax x records to the next entry only and g records to every later one', () => {
    const ext = new Extensions();
    const h = parseHeader(rawHeader({ name: 'short', typeflag: '0', size: 5 }));
    ext.absorb('g', paxBody({ uid: '1000' }));
    ext.absorb('x', paxBody({ path: 'a/very/long/name', size: '7', gid: '42' }));
    expect(ext.resolve(h)).toEqual({ name: 'a/very/long/name', linkname: '', size: 7, uid: 1000, gid: 42 });
    expect(ext.resolve(h)).toEqual({ name: 'short', linkname: '', size: 5, uid: 1000, gid: 0 });
    ext.absorb('L', Buffer.from('gnu/long\0junk'));
    ext.absorb('K', Buffer.from('gnu/target\0'));
    expect(ext.resolve(h)).toMatchObject({ name: 'gnu/long', linkname: 'gnu/target' });
    expect(() => ext.absorb('x', Buffer.from('99 path=x\n'))).toThrow(TarHeaderError);
  });
});
