import { describe, expect, it } from 'vitest';
import { CreachError } from '../../errors.js';
import { flatten } from './flatten.js';
import { imageOf, layerTar, padded, rawHeader, type ImageOfOptions } from './testdata-layers.js';

const MODES: [string, ImageOfOptions][] = [
  ['streamed plain tar', {}],
  ['streamed gzip', { gzip: true }],
  ['file-backed (positional reads)', { fileBacked: true }],
];

describe.each(MODES)('flatten, %s', (_name, mode) => {
  it('indexes files, dirs, symlinks and hard links with their metadata, and captures only what was asked', async () => {
    const l0 = await layerTar([
      { name: 'etc/', type: 'directory', mode: 0o755 },
      { name: 'etc/os-release', body: 'ID=debian\nVERSION_ID="12"\n' },
      { name: './usr/bin/tool', body: 'x'.repeat(5000), mode: 0o755, uid: 7, gid: 8 },
      { name: 'usr/bin/tool-hl', type: 'link', linkname: 'usr/bin/tool' },
      { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
      { name: 'usr/lib/libz.so.1', body: 'elf' },
    ]);
    const img = await imageOf([l0], mode);
    // the file-backed mode really hands flatten a region to seek in (FileBackedLayer)
    expect(((await img.layers())[0] as { file?: unknown }).file !== undefined).toBe(mode.fileBacked === true);
    const fs = await flatten(img, { capture: (p) => p === '/etc/os-release' });
    expect(fs.get('/etc/os-release')).toMatchObject({ type: 'file', size: 26, layer: 0 });
    expect(fs.content('/etc/os-release')?.toString()).toBe('ID=debian\nVERSION_ID="12"\n');
    expect(fs.get('/usr/bin/tool')).toMatchObject({ type: 'file', size: 5000, mode: 0o755, uid: 7, gid: 8 });
    expect(fs.content('/usr/bin/tool')).toBeUndefined();
    expect(fs.get('/usr/bin/tool-hl')).toMatchObject({ type: 'hardlink', linkTarget: '/usr/bin/tool', size: 5000, mode: 0o755 });
    expect(fs.get('/lib')).toMatchObject({ type: 'symlink', linkTarget: 'usr/lib' });
    // parents that the tar never listed exist as directories
    expect(fs.get('/usr')?.type).toBe('dir');
    expect(fs.resolve('/lib/libz.so.1')).toMatchObject({ path: '/usr/lib/libz.so.1', loop: false, escaped: false });
    expect(fs.list('/usr/bin').map((e) => e.path).sort()).toEqual(['/usr/bin/tool', '/usr/bin/tool-hl']);
    expect(fs.gaps).toEqual([]);
  });

  it('applies whiteouts to lower layers only, whatever their position in the tar', async () => {
    const l0 = await layerTar([
      { name: 'a/keep', body: '1' },
      { name: 'a/gone', body: '2' },
      { name: 'b/deep/x', body: '3' },
      { name: 'c', body: 'lower c' },
    ]);
    // layer 1 whites out a/gone and the whole b tree; it also whites out c but re-creates c itself
    // (the new c comes BEFORE the whiteout in the tar: same-layer entries are never hidden).
    const l1 = await layerTar([
      { name: 'c', body: 'upper c' },
      { name: 'a/.wh.gone', body: '' },
      { name: '.wh.b', body: '' },
      { name: '.wh.c', body: '' },
    ]);
    const fs = await flatten(await imageOf([l0, l1], mode), { capture: (p) => p === '/c' });
    expect(fs.get('/a/keep')).toBeDefined();
    expect(fs.get('/a/gone')).toBeUndefined();
    expect(fs.get('/b')).toBeUndefined();
    expect(fs.get('/b/deep/x')).toBeUndefined();
    expect(fs.get('/c')).toMatchObject({ layer: 1, size: 7 });
    expect(fs.content('/c')?.toString()).toBe('upper c');
    // whiteout markers themselves never appear
    expect([...fs.entries()].some((e) => e.path.includes('.wh.'))).toBe(false);
  });

  it('an opaque directory hides lower contents of that directory only', async () => {
    const l0 = await layerTar([
      { name: 'etc/app/old.conf', body: 'old' },
      { name: 'etc/app/sub/nested', body: 'n' },
      { name: 'etc/other/stays', body: 's' },
    ]);
    const l1 = await layerTar([
      { name: 'etc/app/new.conf', body: 'new' },
      { name: 'etc/app/', type: 'directory', mode: 0o700 },
      { name: 'etc/app/.wh..wh..opq', body: '' },
    ]);
    const l2 = await layerTar([{ name: 'etc/app/later', body: 'l' }]);
    const fs = await flatten(await imageOf([l0, l1, l2], mode));
    expect(fs.list('/etc/app').map((e) => e.path).sort()).toEqual(['/etc/app/later', '/etc/app/new.conf']);
    expect(fs.get('/etc/app')).toMatchObject({ type: 'dir', mode: 0o700, layer: 1 });
    expect(fs.get('/etc/app/sub/nested')).toBeUndefined();
    expect(fs.get('/etc/other/stays')).toBeDefined();
  });

  it('replaces a directory by a file (subtree gone), a file by a directory, and a symlink by a directory', async () => {
    const l0 = await layerTar([
      { name: 'x/y/z', body: '1' },
      { name: 'f', body: 'file' },
      { name: 's', type: 'symlink', linkname: 'x' },
    ]);
    const l1 = await layerTar([
      { name: 'x', body: 'now a file' },
      { name: 'f/inner', body: 'f is a dir now' },
      { name: 's/', type: 'directory' },
    ]);
    const fs = await flatten(await imageOf([l0, l1], mode));
    expect(fs.get('/x')).toMatchObject({ type: 'file', size: 10 });
    expect(fs.get('/x/y/z')).toBeUndefined();
    expect(fs.get('/f')?.type).toBe('dir');
    expect(fs.get('/f/inner')?.type).toBe('file');
    expect(fs.get('/s')?.type).toBe('dir');
  });

  it('keeps names longer than 100 bytes (PAX records) and long link targets', async () => {
    const long = 'usr/share/' + 'd'.repeat(120) + '/' + 'f'.repeat(90);
    const target = '/opt/' + 't'.repeat(150);
    const l0 = await layerTar([
      { name: long, body: 'deep' },
      { name: 'lnk', type: 'symlink', linkname: target },
    ]);
    const fs = await flatten(await imageOf([l0], mode), { capture: (p) => p.endsWith('f'.repeat(90)) });
    expect(fs.content('/' + long)?.toString()).toBe('deep');
    expect(fs.get('/lnk')?.linkTarget).toBe(target);
  });

  it('reads GNU long-name (L) and long-link (K) records and base-256 sizes', async () => {
    const longName = 'var/lib/' + 'n'.repeat(150) + '/status';
    const longLink = '/usr/' + 'k'.repeat(140);
    const nameBody = Buffer.from(longName + '\0');
    const linkBody = Buffer.from(longLink + '\0');
    const body = Buffer.from('Package: x\n');
    const tarBuf = Buffer.concat([
      rawHeader({ name: '././@LongLink', typeflag: 'L', size: nameBody.length, gnu: true }),
      padded(nameBody),
      rawHeader({ name: longName.slice(0, 99), typeflag: '0', size: body.length, base256Size: true, gnu: true }),
      padded(body),
      rawHeader({ name: '././@LongLink', typeflag: 'K', size: linkBody.length, gnu: true }),
      padded(linkBody),
      rawHeader({ name: 'link', typeflag: '2', linkname: longLink.slice(0, 99), gnu: true }),
      Buffer.alloc(1024),
    ]);
    const fs = await flatten(await imageOf([tarBuf], mode), { capture: (p) => p.endsWith('/status') });
    expect(fs.content('/' + longName)?.toString()).toBe('Package: x\n');
    expect(fs.get('/link')).toMatchObject({ type: 'symlink', linkTarget: longLink });
  });

  it('a truncated layer fails with TAR_TRUNCATED naming the layer number, digest and byte offset', async () => {
    const good = await layerTar([{ name: 'ok', body: 'fine' }]);
    const full = await layerTar([
      { name: 'a', body: 'a'.repeat(3000) },
      { name: 'b', body: 'b'.repeat(3000) },
    ]);
    const cut = full.subarray(0, 2048);
    const img = await imageOf([good, cut], mode);
    const digest = await (await img.layers())[1]!.digest();
    const err = await flatten(img).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CreachError);
    expect((err as CreachError).code).toBe('TAR_TRUNCATED');
    expect((err as CreachError).message).toContain('layer 1');
    expect((err as CreachError).message).toContain(digest);
    expect((err as CreachError).message).toMatch(/byte \d+/);
  });

  it('a layer that is not a tar fails with LAYER_FORMAT naming the layer', async () => {
    const junk = Buffer.alloc(4096, 0x41);
    const img = await imageOf([junk], mode);
    const err = await flatten(img).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CreachError);
    expect((err as CreachError).code).toBe('LAYER_FORMAT');
    expect((err as CreachError).message).toContain('layer 0');
  });
});

describe('flatten, damaged compression and odd members', () => {
  it('a gzip layer cut short is TAR_TRUNCATED for that layer', async () => {
    const l0 = await layerTar([{ name: 'ok', body: 'fine' }]);
    const l1 = await layerTar([{ name: 'big', body: Buffer.alloc(200_000, 7) }, { name: 'after', body: 'x' }]);
    const img = await imageOf([l0, l1], { gzip: true, damageBlob: (b, i) => (i === 1 ? b.subarray(0, Math.floor(b.length / 2)) : b) });
    const err = await flatten(img).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CreachError);
    expect((err as CreachError).code).toBe('TAR_TRUNCATED');
    expect((err as CreachError).message).toContain('layer 1');
  });

  it('members of types the index does not hold are gaps, not silently dropped', async () => {
    const tarBuf = Buffer.concat([rawHeader({ name: 'vol', typeflag: 'V' }), rawHeader({ name: 'a', typeflag: '0', size: 1 }), padded(Buffer.from('a')), Buffer.alloc(1024)]);
    for (const mode of [{}, { fileBacked: true }]) {
      const fs = await flatten(await imageOf([tarBuf], mode));
      expect(fs.get('/a')?.type).toBe('file');
      expect(fs.gaps).toEqual([expect.objectContaining({ layer: 0, message: expect.stringContaining('unsupported type "V"') })]);
    }
  });

  it('a hard link to a file of a lower layer takes its size; a dangling one is a gap', async () => {
    const l0 = await layerTar([{ name: 'bin/busybox', body: 'b'.repeat(900), mode: 0o755 }]);
    const l1 = await layerTar([
      { name: 'bin/sh', type: 'link', linkname: 'bin/busybox' },
      { name: 'bin/ghost', type: 'link', linkname: 'bin/nothing' },
    ]);
    const fs = await flatten(await imageOf([l0, l1]));
    expect(fs.get('/bin/sh')).toMatchObject({ type: 'hardlink', linkTarget: '/bin/busybox', size: 900, mode: 0o755, layer: 1 });
    expect(fs.gaps).toEqual([expect.objectContaining({ location: '/bin/ghost', layer: 1 })]);
  });
});

describe('flatten, AUFS metadata and captured hard links', () => {
  it('drops AUFS bookkeeping entries and reports a wanted hard link whose target was not kept', async () => {
    const l = await layerTar([
      { name: '.wh..wh.plnk/', type: 'directory' },
      { name: '.wh..wh.plnk/1234.5', body: 'x' },
      { name: 'var/lib/dpkg/status-old', body: 'Package: a\n' },
      { name: 'var/lib/dpkg/status', type: 'link', linkname: 'var/lib/dpkg/status-old' },
    ]);
    const fs = await flatten(await imageOf([l]), { capture: (p) => p === '/var/lib/dpkg/status' });
    expect([...fs.entries()].some((e) => e.path.includes('.wh.'))).toBe(false);
    expect(fs.gaps).toEqual([expect.objectContaining({ location: '/var/lib/dpkg/status', message: expect.stringContaining('content was not kept') })]);
    // when the target is kept, the link reads through to it
    const fs2 = await flatten(await imageOf([l]), { capture: (p) => p.startsWith('/var/lib/dpkg/status') });
    expect(fs2.content('/var/lib/dpkg/status')?.toString()).toBe('Package: a\n');
    expect(fs2.gaps).toEqual([]);
  });
});

describe('flatten, a file-backed layer that is compressed after all', () => {
  it('falls back to the stream path instead of misreading gzip bytes as tar headers', async () => {
    const l = await layerTar([{ name: 'etc/os-release', body: 'ID=alpine\n' }]);
    const img = await imageOf([l], { gzip: true, fileBacked: true });
    const fs = await flatten(img, { capture: (p) => p === '/etc/os-release' });
    expect(fs.content('/etc/os-release')?.toString()).toBe('ID=alpine\n');
  });
});

describe('flatten progress and cancellation', () => {
  it('reports one progress step per layer and stops when aborted', async () => {
    const l = await layerTar([{ name: 'a', body: 'x' }]);
    const events: number[] = [];
    await flatten(await imageOf([l, l, l]), { progress: (e) => events.push(e.done) });
    expect(events).toEqual([0, 1, 2, 3]);
    const ac = new AbortController();
    ac.abort();
    const err = await flatten(await imageOf([l]), { signal: ac.signal }).catch((e: unknown) => e);
    expect((err as CreachError).code).toBe('ABORTED');
  });
});
