// The whole path scan takes: real layer tars → flatten (capturing what wantsContent asks) →
// catalog. Fixture databases sit at their real image paths, behind the symlinks real images use.
import { describe, expect, it } from 'vitest';
import { flatten } from '../image/fs/flatten.js';
import { fsIndexFromFiles } from '../image/fs/memory-fs.js';
import { imageOf, layerTar } from '../image/fs/testdata-layers.js';
import { catalog, wantsContent } from './catalog.js';
import { fixture } from './test-fixtures.js';

describe('wantsContent', () => {
  it('is the union of what each cataloger and the distro detection read, and nothing big', () => {
    for (const p of ['/etc/os-release', '/usr/lib/os-release', '/etc/debian_version', '/var/lib/dpkg/status', '/var/lib/dpkg/info/libc6:amd64.list', '/lib/apk/db/installed', '/var/lib/rpm/rpmdb.sqlite', '/usr/lib/sysimage/rpm/Packages.db']) {
      expect(wantsContent(p), p).toBe(true);
    }
    for (const p of ['/usr/bin/bash', '/usr/lib/x86_64-linux-gnu/libc.so.6', '/var/lib/dpkg/info/libc6:amd64.postinst', '/var/cache/apt/pkgcache.bin']) {
      expect(wantsContent(p), p).toBe(false);
    }
  });
});

describe('catalog over a flattened image', () => {
  it('Debian-like image: distro from os-release via symlink, dpkg status + info files, a whiteout removing a DB side file', async () => {
    const base = await layerTar([
      { name: 'usr/lib/os-release', body: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' },
      { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
      { name: 'usr/lib/x86_64-linux-gnu/libz.so.1.2.11', body: 'elf' },
      { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
      { name: 'var/lib/dpkg/status', body: fixture('dpkg/coreutils-relationships') },
      { name: 'var/lib/dpkg/info/coreutils.list', body: '/.\n/bin\n/bin/ls\n' },
      { name: 'var/lib/dpkg/info/libc6:arm64.list', body: '/.\n/lib\n/lib/ld-linux-aarch64.so.1\n' },
      { name: 'var/lib/dpkg/info/libc6:arm64.postinst', body: '#!/bin/sh\n' },
    ]);
    // Upper layer: removes coreutils' list (whiteout) — its files become unknown, nothing else.
    const upper = await layerTar([{ name: 'var/lib/dpkg/info/.wh.coreutils.list', body: '' }]);
    const fs = await flatten(await imageOf([base, upper], { fileBacked: true }), { capture: wantsContent });
    expect(fs.content('/usr/lib/x86_64-linux-gnu/libz.so.1.2.11')).toBeUndefined();
    expect(fs.content('/var/lib/dpkg/info/libc6:arm64.postinst')).toBeUndefined();
    // exactly the files the catalogers need were kept in memory (the whited-out list is gone)
    expect(fs.capturedPaths().sort()).toEqual(['/usr/lib/os-release', '/var/lib/dpkg/info/libc6:arm64.list', '/var/lib/dpkg/status']);
    const r = await catalog(fs);
    expect(r.distro).toMatchObject({ id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
    expect(r.packages).toHaveLength(9);
    expect(r.packages.find((p) => p.name === 'coreutils')!.files).toEqual([]);
    expect(r.packages.find((p) => p.name === 'libc6')).toMatchObject({ files: ['/lib/ld-linux-aarch64.so.1'], sourceName: 'glibc' });
    expect(new Set(r.packages.map((p) => p.id)).size).toBe(9);
    expect(r.read).toEqual(['/etc/os-release', '/var/lib/dpkg/status', '/var/lib/dpkg/info/libc6:arm64.list']);
    expect(r.gaps).toEqual([]);
  });

  it('Alpine-like image (gzip layers): apk DB, distro from alpine-release when os-release is missing', async () => {
    const l = await layerTar([
      { name: 'etc/alpine-release', body: '3.16.2\n' },
      { name: 'lib/apk/db/installed', body: fixture('apk/multiple-2.installed') },
    ]);
    const r = await catalog(await flatten(await imageOf([l], { gzip: true }), { capture: wantsContent }));
    expect(r.distro).toMatchObject({ id: 'alpine', versionId: '3.16.2', source: '/etc/alpine-release' });
    expect(r.packages).toHaveLength(14);
    expect(r.packages.every((p) => p.type === 'apk' && p.purl.includes('distro=alpine-3.16.2'))).toBe(true);
  });

  it('RPM image with the DB under /usr/lib/sysimage/rpm and the legacy path as a symlink', async () => {
    const l = await layerTar([
      { name: 'etc/os-release', body: 'ID=mariner\nVERSION_ID="2.0"\n' },
      { name: 'usr/lib/sysimage/rpm/rpmdb.sqlite', body: fixture('rpm/cbl-mariner-2.0/rpmdb.sqlite') },
      { name: 'var/lib/rpm', type: 'symlink', linkname: '../../usr/lib/sysimage/rpm' },
    ]);
    const r = await catalog(await flatten(await imageOf([l]), { capture: wantsContent }));
    expect(r.packages).toHaveLength(129);
    expect(r.gaps).toEqual([]);
    // mariner-release owns /etc/os-release: distro files are not package DBs and stay owned
    expect(r.packages.find((p) => p.name === 'mariner-release')!.files).toContain('/etc/os-release');
  });

  it('a package never owns the package database files; ids stay unique when a purl repeats', async () => {
    const status = fixture('dpkg/single').toString();
    const fs = fsIndexFromFiles({
      '/var/lib/dpkg/status': status,
      '/var/lib/dpkg/info/apt.list': '/usr/bin/apt\n/var/lib/dpkg/status\n',
      '/var/lib/dpkg/status.d/apt': status,
    });
    const r = await catalog(fs);
    expect(r.packages).toHaveLength(2);
    expect(r.packages[0]!.files).toContain('/usr/bin/apt');
    expect(r.packages.every((p) => !p.files.includes('/var/lib/dpkg/status'))).toBe(true);
    expect(r.packages[0]!.id).not.toBe(r.packages[1]!.id);
  });

  it('an image without any package database gives no packages and no distro', async () => {
    const r = await catalog(fsIndexFromFiles({ '/app/server': 'bin' }));
    expect(r).toEqual({ packages: [], gaps: [], read: [] });
  });
});
