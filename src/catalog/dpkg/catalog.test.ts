import { describe, expect, it } from 'vitest';
import { fsIndexFromFiles, type MemoryNode } from '../../image/fs/memory-fs.js';
import type { Distro } from '../os-release.js';
import { fixture } from '../test-fixtures.js';
import { catalogDpkg, wants } from './catalog.js';

const bookworm: Distro = { id: 'debian', versionId: '12', idLike: [], source: '/etc/os-release' };

async function run(files: Record<string, MemoryNode>, distro: Distro | null = bookworm) {
  return catalogDpkg(fsIndexFromFiles(files), distro ? { distro } : {});
}

describe('dpkg cataloger', () => {
  it('wants exactly the status file, status.d entries and info lists/md5sums/conffiles', () => {
    expect(wants('/var/lib/dpkg/status')).toBe(true);
    expect(wants('/var/lib/dpkg/status.d/libc6')).toBe(true);
    expect(wants('/var/lib/dpkg/info/libc6:amd64.list')).toBe(true);
    expect(wants('/var/lib/dpkg/info/libc6:amd64.md5sums')).toBe(true);
    expect(wants('/var/lib/dpkg/info/apt.conffiles')).toBe(true);
    expect(wants('/var/lib/dpkg/info/apt.postinst')).toBe(false);
    expect(wants('/var/lib/dpkg/status-old')).toBe(false);
    expect(wants('/var/lib/dpkg/available')).toBe(false);
  });

  it('coreutils-relationships as /var/lib/dpkg/status: nine packages with purls, sources, and files from info/', async () => {
    const r = await run({
      '/var/lib/dpkg/status': fixture('dpkg/coreutils-relationships'),
      '/var/lib/dpkg/info/libselinux1:arm64.list': '/.\n/lib\n/lib/aarch64-linux-gnu\n/lib/aarch64-linux-gnu/libselinux.so.1\n',
      '/var/lib/dpkg/info/libselinux1:arm64.md5sums': '0123456789abcdef0123456789abcdef  lib/aarch64-linux-gnu/libselinux.so.1\n',
      '/var/lib/dpkg/info/coreutils.list': '/.\n/bin\n/bin/ls\n',
      '/bin/ls': 'elf',
      '/lib/aarch64-linux-gnu/libselinux.so.1': 'elf',
    });
    expect(r.gaps).toEqual([]);
    expect(r.packages).toHaveLength(9);
    const byName = new Map(r.packages.map((p) => [p.name, p]));
    const sel = byName.get('libselinux1')!;
    expect(sel).toMatchObject({ version: '3.4-1+b6', arch: 'arm64', sourceName: 'libselinux', sourceVersion: '3.4-1', type: 'deb' });
    expect(sel.purl).toBe('pkg:deb/debian/libselinux1@3.4-1%2Bb6?arch=arm64&distro=debian-12&upstream=libselinux%403.4-1');
    // directories (known from the image) are not owned files; the file is, with its md5
    expect(sel.files).toEqual(['/lib/aarch64-linux-gnu/libselinux.so.1']);
    expect(sel.fileRecords.find((f) => f.path === '/lib/aarch64-linux-gnu/libselinux.so.1')?.digest).toEqual({ algorithm: 'md5', value: '0123456789abcdef0123456789abcdef' });
    expect(sel.locations).toEqual(['/var/lib/dpkg/status', '/var/lib/dpkg/info/libselinux1:arm64.list', '/var/lib/dpkg/info/libselinux1:arm64.md5sums']);
    expect(byName.get('libc6')!.purl).toBe('pkg:deb/debian/libc6@2.36-9%2Bdeb12u1?arch=arm64&distro=debian-12&upstream=glibc');
    expect(byName.get('libattr1')!.purl).toBe('pkg:deb/debian/libattr1@1:2.5.1-4?arch=arm64&distro=debian-12&upstream=attr');
    // no Source field: source is the package itself, and the purl has no upstream
    expect(byName.get('coreutils')).toMatchObject({ sourceName: 'coreutils', sourceVersion: '9.1-1', files: ['/bin/ls'] });
    expect(byName.get('coreutils')!.purl).toBe('pkg:deb/debian/coreutils@9.1-1?arch=arm64&distro=debian-12');
    expect(r.read).toEqual(expect.arrayContaining(['/var/lib/dpkg/status', '/var/lib/dpkg/info/coreutils.list', '/var/lib/dpkg/info/libselinux1:arm64.list']));
  });

  it('single: conffiles are owned files even without an info list', async () => {
    const r = await run({ '/var/lib/dpkg/status': fixture('dpkg/single'), '/var/lib/dpkg/info/other.list': '/x\n' });
    expect(r.packages).toHaveLength(1);
    const apt = r.packages[0]!;
    expect(apt.files).toEqual(['/etc/apt/apt.conf.d/01autoremove', '/etc/cron.daily/apt-compat', '/etc/kernel/postinst.d/apt-auto-removal', '/etc/logrotate.d/apt']);
    expect(apt.fileRecords.every((f) => f.isConfig)).toBe(true);
    expect(apt.purl).toBe('pkg:deb/debian/apt@1.8.2?arch=amd64&distro=debian-12&upstream=apt-dev');
  });

  it('deinstall: the config-files-only package is left out', async () => {
    const r = await run({ '/var/lib/dpkg/status': fixture('dpkg/deinstall') });
    expect(r.packages.map((p) => p.name)).toEqual(['linux-image-6.14.0-1012-aws']);
  });

  it('multiple: three packages (no-version kept), the empty stanza is not a gap', async () => {
    const r = await run({ '/var/lib/dpkg/status': fixture('dpkg/multiple') });
    expect(r.packages.map((p) => p.name)).toEqual(['no-version', 'tzdata', 'util-linux']);
    expect(r.packages[1]!.files).toEqual([]);
    expect(r.packages[2]!.files).toHaveLength(6);
    // the only gap: no info lists at all, so files are unknown — said, not hidden
    expect(r.gaps).toEqual([expect.objectContaining({ location: '/var/lib/dpkg/info' })]);
  });

  it('valid with a Debian 12 os-release: seven deb purls', async () => {
    const r = await run({ '/var/lib/dpkg/status': fixture('dpkg/valid') });
    expect(r.packages).toHaveLength(7);
    expect(r.packages.every((p) => p.purl.startsWith('pkg:deb/debian/') && p.purl.includes('distro=debian-12'))).toBe(true);
    expect(r.packages.find((p) => p.name === 'util-linux-extra')).toMatchObject({ sourceName: 'util-linux', sourceVersion: '2.38.1-5' });
    expect(r.packages.find((p) => p.name === 'libacl1')).toMatchObject({ sourceName: 'acl', sourceVersion: '2.3.1-3' });
  });

  it('distroless status.d: the stanza plus its md5sums give six files, status first then md5sums as locations', async () => {
    const r = await run(
      {
        '/var/lib/dpkg/status.d/libsqlite3-0': fixture('dpkg/status.d/libsqlite3-0'),
        '/var/lib/dpkg/status.d/libsqlite3-0.md5sums': fixture('dpkg/status.d/libsqlite3-0.md5sums'),
      },
      null,
    );
    expect(r.gaps).toEqual([]);
    expect(r.packages).toHaveLength(1);
    const p = r.packages[0]!;
    expect(p).toMatchObject({ name: 'libsqlite3-0', version: '3.34.1-3', sourceName: 'sqlite3', arch: 'arm64' });
    expect(p.files).toEqual([
      '/usr/lib/aarch64-linux-gnu/libsqlite3.so.0.8.6',
      '/usr/share/doc/libsqlite3-0/README.Debian',
      '/usr/share/doc/libsqlite3-0/changelog.Debian.gz',
      '/usr/share/doc/libsqlite3-0/changelog.gz',
      '/usr/share/doc/libsqlite3-0/changelog.html.gz',
      '/usr/share/doc/libsqlite3-0/copyright',
    ]);
    expect(p.fileRecords[0]!.digest).toEqual({ algorithm: 'md5', value: 'e11d70c96979a1328ae4e7e50542782b' });
    expect(p.fileRecords.some((f) => f.isConfig)).toBe(false);
    expect(p.locations).toEqual(['/var/lib/dpkg/status.d/libsqlite3-0', '/var/lib/dpkg/status.d/libsqlite3-0.md5sums']);
    expect(p.purl).toBe('pkg:deb/debian/libsqlite3-0@3.34.1-3?arch=arm64&upstream=sqlite3');
    expect(r.read).toEqual(['/var/lib/dpkg/status.d/libsqlite3-0', '/var/lib/dpkg/status.d/libsqlite3-0.md5sums']);
  });

  it('corrupt: a gap tied to the file, no package', async () => {
    const r = await run({ '/var/lib/dpkg/status.d/corrupt': fixture('dpkg/corrupt') });
    expect(r.packages).toEqual([]);
    expect(r.gaps).toEqual([expect.objectContaining({ location: '/var/lib/dpkg/status.d/corrupt', code: 'DB_MALFORMED' })]);
    expect(r.gaps[0]!.message).toContain('line 5');
  });

  it('a corrupt stanza among good ones: the good ones stay, the bad one is a gap', async () => {
    const text = fixture('dpkg/single').toString() + '\n' + fixture('dpkg/corrupt').toString() + '\n\n' + fixture('dpkg/valid').toString();
    const r = await run({ '/var/lib/dpkg/status': text, '/var/lib/dpkg/info/apt.list': '/usr/bin/apt\n' });
    expect(r.packages).toHaveLength(8);
    expect(r.gaps).toHaveLength(1);
    expect(r.gaps[0]).toMatchObject({ location: '/var/lib/dpkg/status', code: 'DB_MALFORMED' });
  });

  it('info/zlib1g.md5sums: the four md5sums records are the files of zlib1g, with their digests', async () => {
    const r = await run({
      '/var/lib/dpkg/status': 'Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.11.dfsg-1\n',
      '/var/lib/dpkg/info/zlib1g:amd64.md5sums': fixture('dpkg/info/zlib1g.md5sums'),
    });
    expect(r.packages).toHaveLength(1);
    const z = r.packages[0]!;
    expect(z.files).toEqual(['/lib/x86_64-linux-gnu/libz.so.1.2.11', '/usr/share/doc/zlib1g/changelog.Debian.gz', '/usr/share/doc/zlib1g/changelog.gz', '/usr/share/doc/zlib1g/copyright']);
    expect(z.fileRecords.map((f) => f.digest?.value)).toEqual(['55f905631797551d4d936a34c7e73474', 'cede84bda30d2380217f97753c8ccf3a', 'f3c9dafa6da7992c47328b4464f6d122', 'a4fae96070439a5209a62ae5b8017ab2']);
    expect(z.locations).toEqual(['/var/lib/dpkg/status', '/var/lib/dpkg/info/zlib1g:amd64.md5sums']);
    expect(z.purl).toBe('pkg:deb/debian/zlib1g@1:1.2.11.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib');
  });

  it('an empty status file is a gap, not silence', async () => {
    const r = await run({ '/var/lib/dpkg/status': '' });
    expect(r.packages).toEqual([]);
    expect(r.gaps).toEqual([expect.objectContaining({ location: '/var/lib/dpkg/status', message: expect.stringContaining('no installed packages') })]);
  });
});
