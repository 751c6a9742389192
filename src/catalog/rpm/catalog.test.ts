import { describe, expect, it } from 'vitest';
import { fsIndexFromFiles } from '../../image/fs/memory-fs.js';
import type { Distro } from '../os-release.js';
import { fixture } from '../test-fixtures.js';
import { catalogRpm, wants } from './catalog.js';
import { parseSourceRpm, rpmNamespace } from './package.js';

const mariner: Distro = { id: 'mariner', versionId: '2.0', idLike: [], source: '/etc/os-release' };

describe('rpm cataloger', () => {
  it('wants the three backends in the three rpm database folders, nothing else', () => {
    for (const p of ['/var/lib/rpm/Packages', '/var/lib/rpm/rpmdb.sqlite', '/usr/lib/sysimage/rpm/Packages.db', '/usr/share/rpm/Packages']) expect(wants(p)).toBe(true);
    for (const p of ['/var/lib/rpm/Basenames', '/var/lib/rpm/rpmdb.sqlite-shm', '/opt/var/lib/rpm/Packages']) expect(wants(p)).toBe(false);
  });

  it('dive (Berkeley DB) without a distro: the purl syft gives, one owned file', async () => {
    const r = await catalogRpm(fsIndexFromFiles({ '/var/lib/rpm/Packages': fixture('rpm/syft-dive.Packages') }), {});
    expect(r.gaps).toEqual([]);
    expect(r.read).toEqual(['/var/lib/rpm/Packages']);
    expect(r.packages).toHaveLength(1);
    const p = r.packages[0]!;
    expect(p.purl).toBe('pkg:rpm/dive@0.9.2-1?arch=x86_64&upstream=dive-0.9.2-1.src.rpm');
    expect(p).toMatchObject({ name: 'dive', version: '0.9.2-1', arch: 'x86_64', type: 'rpm', sourceName: 'dive', sourceVersion: '0.9.2-1', files: ['/usr/local/bin/dive'], licenses: ['MIT'] });
    expect(p.fileRecords[0]).toMatchObject({ mode: 33261, size: 12406784, digest: { algorithm: 'sha256', value: '81d29f327ba23096b3c52ff6fe1c425641e618bc87b5c05ee377edc650afaa55' } });
  });

  it('libuuid (Berkeley DB): directories are records but not owned files; source is util-linux', async () => {
    const r = await catalogRpm(fsIndexFromFiles({ '/var/lib/rpm/Packages': fixture('rpm/libuuid/Packages') }), {});
    const p = r.packages[0]!;
    expect(p).toMatchObject({ name: 'libuuid', version: '2.32.1-42.el8_8', sourceName: 'util-linux', sourceVersion: '2.32.1-42.el8_8' });
    expect(p.fileRecords).toHaveLength(7);
    expect(p.files).toEqual([
      '/usr/lib/.build-id/df/ef6a880adac817216ab9866779a0725e017647',
      '/usr/lib64/libuuid.so.1',
      '/usr/lib64/libuuid.so.1.3.0',
      '/usr/share/licenses/libuuid/COPYING',
      '/usr/share/licenses/libuuid/COPYING.BSD-3',
    ]);
    expect(p.fileRecords.every((f) => f.owner === 'root' && f.group === 'root')).toBe(true);
  });

  it('CBL-Mariner (SQLite) via a /var/lib/rpm -> /usr/lib/sysimage/rpm symlink: 129 packages, read once, distro in purls', async () => {
    const fs = fsIndexFromFiles({
      '/usr/lib/sysimage/rpm/rpmdb.sqlite': fixture('rpm/cbl-mariner-2.0/rpmdb.sqlite'),
      '/var/lib/rpm': { symlink: '../../usr/lib/sysimage/rpm' },
    });
    const r = await catalogRpm(fs, { distro: mariner });
    expect(r.gaps).toEqual([]);
    expect(r.read).toEqual(['/var/lib/rpm/rpmdb.sqlite']);
    expect(r.packages).toHaveLength(129);
    const curl = r.packages.find((p) => p.name === 'curl')!;
    expect(curl.purl).toBe('pkg:rpm/mariner/curl@7.76.0-6.cm2?arch=x86_64&distro=mariner-2.0&upstream=curl-7.76.0-6.cm2.src.rpm');
    expect(curl.files).toEqual(['/usr/bin/curl', '/usr/bin/curl-config', '/usr/share/licenses/curl/COPYING', '/usr/share/man/man1/curl-config.1.gz', '/usr/share/man/man1/curl.1.gz']);
    expect(curl.metadata).toMatchObject({ vendor: 'Microsoft Corporation', sourceRpm: 'curl-7.76.0-6.cm2.src.rpm', release: '6.cm2' });
    const ca = r.packages.find((p) => p.name === 'ca-certificates-base')!;
    expect(ca.purl).toMatch(/[?&]epoch=1(&|$)/);
    expect(ca.version.startsWith('1:')).toBe(true);
  });

  it('blob.bin as the only record: the package is kept, its broken file list is a gap naming it', async () => {
    // An ndb database around the blob, as SUSE images store it.
    const blob = fixture('rpm/blob.bin');
    const page = Buffer.alloc(4096);
    page.writeUInt32LE(0x506d7052, 0);
    page.writeUInt32LE(1, 12);
    for (let s = 2; s < 256; s++) page.writeUInt32LE(0x746f6c53, s * 16);
    page.writeUInt32LE(1, 32 + 4);
    page.writeUInt32LE(256, 32 + 8);
    const blk = Buffer.alloc(Math.ceil((blob.length + 32) / 16) * 16);
    blk.writeUInt32LE(0x53626c42, 0);
    blk.writeUInt32LE(1, 4);
    blk.writeUInt32LE(blob.length, 12);
    blob.copy(blk, 16);
    const r = await catalogRpm(fsIndexFromFiles({ '/usr/lib/sysimage/rpm/Packages.db': Buffer.concat([page, blk]) }), {});
    expect(r.packages.map((p) => p.name)).toEqual(['publicsuffix-list-dafsa']);
    expect(r.packages[0]!.files).toEqual([]);
    expect(r.gaps).toEqual([expect.objectContaining({ location: '/usr/lib/sysimage/rpm/Packages.db', code: 'DB_MALFORMED', package: r.packages[0]!.purl })]);
    expect(r.gaps[0]!.message).toMatch(/file list is malformed.*dir index 4/);
  });

  it('an unreadable or empty database is a gap on its path', async () => {
    const r = await catalogRpm(fsIndexFromFiles({ '/var/lib/rpm/Packages': Buffer.alloc(8192, 1), '/var/lib/rpm/rpmdb.sqlite': 'garbage' }), {});
    expect(r.packages).toEqual([]);
    expect(r.gaps.map((g) => g.location).sort()).toEqual(['/var/lib/rpm/Packages', '/var/lib/rpm/rpmdb.sqlite']);
    expect(r.gaps.every((g) => g.code === 'DB_MALFORMED')).toBe(true);
  });

  it('names the vendor as purl namespace (Red Hat as its own purls do)', () => {
    expect(rpmNamespace({ id: 'rhel', versionId: '9.4', idLike: ['fedora'], source: '' })).toBe('redhat');
    expect(rpmNamespace({ id: 'fedora', versionId: '40', idLike: [], source: '' })).toBe('fedora');
    expect(rpmNamespace(undefined)).toBeUndefined();
  });

  it('parses source rpm names', () => {
    expect(parseSourceRpm('util-linux-2.32.1-42.el8_8.src.rpm')).toEqual({ name: 'util-linux', version: '2.32.1-42.el8_8' });
    expect(parseSourceRpm('weird.src.rpm')).toBeUndefined();
  });
});
