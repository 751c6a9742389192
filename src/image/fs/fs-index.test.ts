import { describe, expect, it } from 'vitest';
import { flatten } from './flatten.js';
import { MAX_SYMLINK_HOPS } from './fs-index.js';
import { imageOf, layerTar } from './testdata-layers.js';

// A merged-/usr Debian-like tree plus every awkward link shape, built as a real layer tar.
async function tree() {
  const l0 = await layerTar([
    { name: 'usr/lib/x86_64-linux-gnu/libc.so.6', body: 'libc' },
    { name: 'usr/lib/x86_64-linux-gnu/libz.so.1', type: 'symlink', linkname: 'libz.so.1.2.13' },
    { name: 'usr/lib/x86_64-linux-gnu/libz.so.1.2.13', body: 'z' },
    { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
    { name: 'lib64', type: 'symlink', linkname: '/usr/lib64' },
    { name: 'usr/lib64/ld-linux-x86-64.so.2', type: 'symlink', linkname: '../lib/x86_64-linux-gnu/ld.so' },
    { name: 'usr/lib/x86_64-linux-gnu/ld.so', body: 'ld' },
    { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
    { name: 'usr/lib/os-release', body: 'ID=debian\n' },
    { name: 'loop/a', type: 'symlink', linkname: 'b' },
    { name: 'loop/b', type: 'symlink', linkname: 'a' },
    { name: 'self', type: 'symlink', linkname: 'self' },
    { name: 'escape', type: 'symlink', linkname: '../../../../etc/passwd' },
    { name: 'escape-abs', type: 'symlink', linkname: '/../../etc/passwd' },
    { name: 'etc/passwd', body: 'root:x:0:0' },
    { name: 'dangling', type: 'symlink', linkname: '/nowhere/file' },
    { name: 'notdir', body: 'plain' },
  ]);
  return flatten(await imageOf([l0]), { capture: (p) => p === '/usr/lib/os-release' || p === '/etc/passwd' });
}

describe('FsIndex.resolve', () => {
  it('follows an intermediate directory link (/lib -> usr/lib) and a relative final link', async () => {
    const fs = await tree();
    expect(fs.resolve('/lib/x86_64-linux-gnu/libc.so.6')).toMatchObject({ path: '/usr/lib/x86_64-linux-gnu/libc.so.6', loop: false, escaped: false });
    const r = fs.resolve('/lib/x86_64-linux-gnu/libz.so.1');
    expect(r.path).toBe('/usr/lib/x86_64-linux-gnu/libz.so.1.2.13');
    expect(r.entry?.type).toBe('file');
  });

  it('follows absolute targets inside the image root and .. inside targets', async () => {
    const fs = await tree();
    expect(fs.resolve('/lib64/ld-linux-x86-64.so.2').path).toBe('/usr/lib/x86_64-linux-gnu/ld.so');
    expect(fs.content('/etc/os-release')?.toString()).toBe('ID=debian\n');
  });

  it('lstat-style resolution keeps the last link', async () => {
    const fs = await tree();
    const r = fs.resolve('/lib/x86_64-linux-gnu/libz.so.1', { followLast: false });
    expect(r.path).toBe('/usr/lib/x86_64-linux-gnu/libz.so.1');
    expect(r.entry?.type).toBe('symlink');
  });

  it('reports loops instead of spinning', async () => {
    const fs = await tree();
    expect(fs.resolve('/loop/a')).toMatchObject({ loop: true });
    expect(fs.resolve('/self/x')).toMatchObject({ loop: true });
    expect(MAX_SYMLINK_HOPS).toBe(40);
  });

  it('clamps .. at the root: a link pointing outside stays inside the image', async () => {
    const fs = await tree();
    for (const p of ['/escape', '/escape-abs', '/../../etc/passwd']) {
      const r = fs.resolve(p);
      expect(r).toMatchObject({ path: '/etc/passwd', escaped: true, loop: false });
      expect(fs.content(p)?.toString()).toBe('root:x:0:0');
    }
  });

  it('dangling links and paths through a non-directory resolve to a path without an entry', async () => {
    const fs = await tree();
    const d = fs.resolve('/dangling');
    expect(d.path).toBe('/nowhere/file');
    expect(d.entry).toBeUndefined();
    expect(fs.resolve('/notdir/child').entry).toBeUndefined();
    expect(fs.resolve('/usr/./lib//x86_64-linux-gnu/../x86_64-linux-gnu/libc.so.6').path).toBe('/usr/lib/x86_64-linux-gnu/libc.so.6');
  });
});
