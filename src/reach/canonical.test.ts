import { describe, expect, it } from 'vitest';
import { fsIndexFromFiles } from '../image/fs/memory-fs.js';
import { Canonicalizer, normalizePath } from './canonical.js';

describe('normalizePath', () => {
  it('cleans what needs cleaning and passes clean paths through', () => {
    expect(normalizePath('/usr/lib/x.so')).toBe('/usr/lib/x.so');
    expect(normalizePath('usr//lib/./x.so')).toBe('/usr/lib/x.so');
    expect(normalizePath('/usr/lib/../../../etc/')).toBe('/etc');
    expect(normalizePath('/a/..')).toBe('/');
    expect(normalizePath('/')).toBe('/');
    expect(normalizePath('/a/.hidden/..x')).toBe('/a/.hidden/..x');
  });
});

describe('Canonicalizer', () => {
  const tree = fsIndexFromFiles({
    '/lib': { symlink: 'usr/lib' },
    '/usr/lib/libz.so.1': { symlink: 'libz.so.1.2.13' },
    '/usr/lib/libz.so.1.2.13': 'ELF',
    '/loop/a': { symlink: 'b' },
    '/loop/b': { symlink: 'a' },
    '/evil': { symlink: '../../../../etc/shadow' },
    '/etc/shadow': 'image shadow',
  });
  const c = new Canonicalizer(tree);

  it('resolves directories but keeps the last component for parent(), follows it for full()', () => {
    expect(c.parent('/lib/libz.so.1')).toBe('/usr/lib/libz.so.1');
    expect(c.full('/lib/libz.so.1')).toBe('/usr/lib/libz.so.1.2.13');
    expect(c.isDirectory('/lib')).toBe(true);
    expect(c.exists('/lib/nope.so')).toBe(false);
    expect(c.parent('/lib/nope.so')).toBe('/usr/lib/nope.so');
  });

  it('stays inside the image on loops and escapes', () => {
    expect(c.full('/loop/a')).toBe('/loop/a');
    expect(c.exists('/loop/a')).toBe(false);
    // '..' stops at the image root, as the kernel does inside the container: the image's file
    expect(c.full('/evil')).toBe('/etc/shadow');
  });
});
