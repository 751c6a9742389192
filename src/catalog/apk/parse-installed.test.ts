// Facts from test/fixtures/SOURCES.md, apk section.
import { describe, expect, it } from 'vitest';
import { fsIndexFromFiles } from '../../image/fs/memory-fs.js';
import { fixture } from '../test-fixtures.js';
import { catalogApk, wants } from './catalog.js';
import { parseApkInstalled } from './parse-installed.js';

const parse = (f: string) => parseApkInstalled(fixture(`apk/${f}`).toString('utf8'));

describe('parseApkInstalled on the fixtures', () => {
  it('single: musl-utils with every field and eight file records in file order', () => {
    const { entries, problems } = parse('single');
    expect(problems).toEqual([]);
    expect(entries).toHaveLength(1);
    const e = entries[0]!;
    expect(e).toMatchObject({
      package: 'musl-utils',
      version: '1.1.24-r2',
      origin: 'musl',
      arch: 'x86_64',
      url: 'https://musl.libc.org/',
      size: 37944,
      installedSize: 151552,
      license: 'MIT BSD GPL2+',
      checksum: 'Q1bTtF5526tETKfL+lnigzIDvm+2o=',
      commit: '4024cc3b29ad4c65544ad068b8f59172b5494306',
    });
    expect(e.depends).toEqual(['scanelf', 'so:libc.musl-x86_64.so.1']);
    expect(e.provides).toEqual(['cmd:getconf', 'cmd:getent', 'cmd:iconv', 'cmd:ldconfig', 'cmd:ldd']);
    expect(e.files.map((f) => f.path)).toEqual(['/sbin', '/sbin/ldconfig', '/usr', '/usr/bin', '/usr/bin/iconv', '/usr/bin/ldd', '/usr/bin/getconf', '/usr/bin/getent']);
    const regular = e.files.filter((f) => !f.isDir);
    expect(regular).toHaveLength(5);
    expect(regular.every((f) => f.uid === 0 && f.gid === 0 && f.mode === 0o755 && f.digest?.startsWith('Q1'))).toBe(true);
    expect(regular[0]).toMatchObject({ path: '/sbin/ldconfig', digest: 'Q1Kja2+POZKxEkUOZqwSjC6kmaED4=' });
  });

  it('base: alpine-baselayout, 96 records (69 dirs, 27 files) with owners and modes from a:/M:', () => {
    const { entries, problems } = parse('base');
    expect(problems).toEqual([]);
    const e = entries[0]!;
    expect(e).toMatchObject({ package: 'alpine-baselayout', version: '3.2.0-r6', origin: 'alpine-baselayout', arch: 'x86_64', license: 'GPL-2.0-only', size: 19917, installedSize: 409600 });
    expect(e.depends).toEqual(['/bin/sh', 'so:libc.musl-x86_64.so.1']);
    expect(e.provides).toEqual(['cmd:mkmntdirs']);
    expect(e.checksum).toBe('Q1myMNfd7u5v5UTgNHeq1e31qTjZU=');
    expect(e.commit).toBe('e1c51734fa96fa4bac92e9f14a474324c67916fc');
    expect(e.files).toHaveLength(96);
    expect(e.files.filter((f) => f.isDir)).toHaveLength(69);
    expect(e.files.filter((f) => !f.isDir)).toHaveLength(27);
    const at = (p: string) => e.files.find((f) => f.path === p);
    expect(at('/etc/shadow')).toMatchObject({ uid: 0, gid: 42, mode: 0o640 });
    expect(at('/tmp')).toMatchObject({ isDir: true, mode: 0o1777 });
    expect(at('/var/tmp')).toMatchObject({ mode: 0o1777 });
    expect(at('/var/empty')).toMatchObject({ mode: 0o555 });
    expect(at('/root')).toMatchObject({ mode: 0o700 });
  });

  it('multiple-2: fourteen Alpine 3.16 packages with their origins', () => {
    const { entries, problems } = parse('multiple-2.installed');
    expect(problems).toEqual([]);
    expect(entries.map((e) => [e.package, e.version, e.origin])).toEqual([
      ['alpine-baselayout-data', '3.2.0-r22', 'alpine-baselayout'],
      ['musl', '1.2.3-r0', 'musl'],
      ['busybox', '1.35.0-r17', 'busybox'],
      ['alpine-baselayout', '3.2.0-r22', 'alpine-baselayout'],
      ['alpine-keys', '2.4-r1', 'alpine-keys'],
      ['ca-certificates-bundle', '20220614-r0', 'ca-certificates'],
      ['libcrypto1.1', '1.1.1q-r0', 'openssl'],
      ['libssl1.1', '1.1.1q-r0', 'openssl'],
      ['ssl_client', '1.35.0-r17', 'busybox'],
      ['zlib', '1.2.12-r3', 'zlib'],
      ['apk-tools', '2.12.9-r3', 'apk-tools'],
      ['scanelf', '1.3.4-r0', 'pax-utils'],
      ['musl-utils', '1.2.3-r0', 'musl'],
      ['libc-utils', '0.7.2-r3', 'libc-dev'],
    ]);
    // the dependency facts rest on D: and p: being read
    const apk = entries.find((e) => e.package === 'apk-tools')!;
    expect(apk.depends).toEqual(expect.arrayContaining(['so:libcrypto.so.1.1', 'so:libssl.so.1.1', 'so:libz.so.1']));
    expect(entries.find((e) => e.package === 'libcrypto1.1')!.provides).toEqual(['so:libcrypto.so.1.1=1.1']);
  });

  it('corrupt: the free-text line is a problem; the following stanza still parses', () => {
    const { entries, problems } = parse('corrupt.installed');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(1);
    expect(entries.map((e) => e.package)).toEqual(['alpine-baselayout-data']);
  });
});

describe('apk cataloger', () => {
  it('reads /lib/apk/db/installed into packages with purls, files (no dirs) and licenses', async () => {
    const fs = fsIndexFromFiles({ '/lib/apk/db/installed': fixture('apk/multiple-2.installed') });
    const r = await catalogApk(fs, { distro: { id: 'alpine', versionId: '3.16.2', idLike: [], source: '/etc/os-release' } });
    expect(r.gaps).toEqual([]);
    expect(r.read).toEqual(['/lib/apk/db/installed']);
    expect(r.packages).toHaveLength(14);
    const ssl = r.packages.find((p) => p.name === 'libssl1.1')!;
    expect(ssl).toMatchObject({ type: 'apk', version: '1.1.1q-r0', arch: 'x86_64', sourceName: 'openssl', sourceVersion: '1.1.1q-r0' });
    expect(ssl.purl).toBe('pkg:apk/alpine/libssl1.1@1.1.1q-r0?arch=x86_64&distro=alpine-3.16.2&upstream=openssl');
    expect(ssl.files).toEqual(['/lib/libssl.so.1.1', '/usr/lib/libssl.so.1.1']);
    expect(r.packages.find((p) => p.name === 'musl')!.purl).toBe('pkg:apk/alpine/musl@1.2.3-r0?arch=x86_64&distro=alpine-3.16.2');
  });

  it('single: licenses split on spaces; directories kept as records but not as owned files', async () => {
    const r = await catalogApk(fsIndexFromFiles({ '/lib/apk/db/installed': fixture('apk/single') }), {});
    const p = r.packages[0]!;
    expect(p.licenses).toEqual(['MIT', 'BSD', 'GPL2+']);
    expect(p.files).toEqual(['/sbin/ldconfig', '/usr/bin/iconv', '/usr/bin/ldd', '/usr/bin/getconf', '/usr/bin/getent']);
    expect(p.fileRecords).toHaveLength(8);
    expect(p.purl).toBe('pkg:apk/alpine/musl-utils@1.1.24-r2?arch=x86_64&upstream=musl');
  });

  it('corrupt: reported as a gap on the DB path (an error, as syft reports), good stanza kept', async () => {
    const r = await catalogApk(fsIndexFromFiles({ '/lib/apk/db/installed': fixture('apk/corrupt.installed') }), {});
    expect(r.gaps).toEqual([expect.objectContaining({ location: '/lib/apk/db/installed', code: 'DB_MALFORMED' })]);
    expect(r.packages.map((p) => p.name)).toEqual(['alpine-baselayout-data']);
  });

  it('an empty database is a gap', async () => {
    const r = await catalogApk(fsIndexFromFiles({ '/lib/apk/db/installed': '\n' }), {});
    expect(r.packages).toEqual([]);
    expect(r.gaps).toEqual([expect.objectContaining({ message: expect.stringContaining('no installed packages') })]);
  });

  it('wants only the installed databases', () => {
    expect(wants('/lib/apk/db/installed')).toBe(true);
    expect(wants('/usr/lib/apk/db/installed')).toBe(true);
    expect(wants('/lib/apk/db/triggers')).toBe(false);
  });
});
