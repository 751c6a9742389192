// Facts from test/fixtures/SOURCES.md, dpkg section.
import { describe, expect, it } from 'vitest';
import { fixture } from '../test-fixtures.js';
import { parseList, parseMd5sums } from './parse-md5sums.js';
import { isInstalled, parseDpkgStatus, parseInstalledSize, parseSource } from './parse-status.js';

const parse = (f: string) => parseDpkgStatus(fixture(`dpkg/${f}`).toString('utf8'));

describe('parseDpkgStatus on the fixtures', () => {
  it('single: apt with source, size, maintainer, provides, nine depends, description and four conffiles', () => {
    const { entries, problems } = parse('single');
    expect(problems).toEqual([]);
    expect(entries).toHaveLength(1);
    const e = entries[0]!;
    expect(e).toMatchObject({ package: 'apt', source: 'apt-dev', version: '1.8.2', architecture: 'amd64', installedSize: 4064, status: 'install ok installed' });
    expect(e.maintainer).toBe('APT Development Team <deity@lists.debian.org>');
    expect(e.provides).toEqual(['apt-transport-https (= 1.8.2)']);
    expect(e.depends).toEqual([
      'adduser',
      'gpgv | gpgv2 | gpgv1',
      'debian-archive-keyring',
      'libapt-pkg5.0 (>= 1.7.0~alpha3~)',
      'libc6 (>= 2.15)',
      'libgcc1 (>= 1:3.0)',
      'libgnutls30 (>= 3.6.6)',
      'libseccomp2 (>= 1.0.1)',
      'libstdc++6 (>= 5.2)',
    ]);
    expect(e.description?.split('\n')[0]).toBe('commandline package manager');
    expect(e.description?.split('\n').length).toBeGreaterThan(5);
    expect(e.conffiles.map((c) => [c.path, c.digest])).toEqual([
      ['/etc/apt/apt.conf.d/01autoremove', '76120d358bc9037bb6358e737b3050b5'],
      ['/etc/cron.daily/apt-compat', '49e9b2cfa17849700d4db735d04244f3'],
      ['/etc/kernel/postinst.d/apt-auto-removal', '4ad976a68f045517cf4696cec7b8aa3a'],
      ['/etc/logrotate.d/apt', '179f2ed4f85cbaca12fa3d69c2a4a1c3'],
    ]);
  });

  it('multiple: three entries in order; the empty "Package:" stanza is no entry and no problem', () => {
    const { entries, problems } = parse('multiple');
    expect(problems).toEqual([]);
    expect(entries.map((e) => e.package)).toEqual(['no-version', 'tzdata', 'util-linux']);
    expect(entries[0]).toMatchObject({ package: 'no-version', version: '' });
    expect(Object.keys(entries[0]!.fields)).toEqual(['Package']);
    expect(entries[1]).toMatchObject({ version: '2020a-0+deb10u1', source: 'tzdata-dev', architecture: 'all', installedSize: 3036 });
    expect(entries[1]!.provides).toEqual(['tzdata-buster']);
    expect(entries[1]!.depends).toEqual(['debconf (>= 0.5) | debconf-2.0']);
    expect(entries[1]!.conffiles).toEqual([]);
    const u = entries[2]!;
    expect(u).toMatchObject({ version: '2.33.1-0.1', architecture: 'amd64', installedSize: 4327 });
    expect(u.source).toBeUndefined();
    expect(u.depends).toEqual(['fdisk', 'login (>= 1:4.5-1.1~)']);
    expect(u.preDepends).toHaveLength(13);
    expect(u.preDepends[12]).toBe('zlib1g (>= 1:1.1.4)');
    expect(u.conffiles.map((c) => c.path)).toEqual(['/etc/default/hwclock', '/etc/init.d/hwclock.sh', '/etc/pam.d/runuser', '/etc/pam.d/runuser-l', '/etc/pam.d/su', '/etc/pam.d/su-l']);
  });

  it('deinstall: the "deinstall ok config-files" stanza is parsed but is not installed', () => {
    const { entries } = parse('deinstall');
    const installed = entries.filter((e) => isInstalled(e.status));
    expect(installed).toHaveLength(1);
    const e = installed[0]!;
    expect(e).toMatchObject({ package: 'linux-image-6.14.0-1012-aws', version: '6.14.0-1012.12~24.04.1', source: 'linux-signed-aws-6.14', architecture: 'amd64', installedSize: 15221 });
    expect(e.provides).toHaveLength(8);
    expect(e.provides[0]).toBe('fuse-module');
    expect(e.provides[7]).toBe('zfs-modules');
    expect(e.depends).toEqual(['kmod', 'linux-base (>= 4.5ubuntu1~16.04.1)', 'linux-modules-6.14.0-1012-aws']);
    expect(entries.find((x) => x.package === 'linux-image-6.8.0-1029-aws')?.status).toBe('deinstall ok config-files');
  });

  it('coreutils-relationships: nine Debian 12 packages with their sources and source versions', () => {
    const { entries, problems } = parse('coreutils-relationships');
    expect(problems).toEqual([]);
    expect(entries.map((e) => [e.package, e.version, e.source ?? null])).toEqual([
      ['coreutils', '9.1-1', null],
      ['libacl1', '2.3.1-3', 'acl'],
      ['libc6', '2.36-9+deb12u1', 'glibc'],
      ['libgcc-s1', '12.2.0-14', 'gcc-12'],
      ['gcc-12-base', '12.2.0-14', 'gcc-12'],
      ['libattr1', '1:2.5.1-4', 'attr'],
      ['libgmp10', '2:6.2.1+dfsg1-1.1', 'gmp'],
      ['libselinux1', '3.4-1+b6', 'libselinux'],
      ['libpcre2-8-0', '10.42-1', 'pcre2'],
    ]);
    expect(entries.find((e) => e.package === 'libselinux1')?.sourceVersion).toBe('3.4-1');
    expect(entries.find((e) => e.package === 'coreutils')?.preDepends.join(',')).toContain('libselinux1');
  });

  it('corrupt: the file is rejected with a problem and yields no entry', () => {
    const { entries, problems } = parse('corrupt');
    expect(entries).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(5);
  });

  it('valid (osv-scalibr): seven packages with versions, arches and source name/version', () => {
    const { entries, problems } = parse('valid');
    expect(problems).toEqual([]);
    expect(entries.map((e) => [e.package, e.version, e.architecture])).toEqual([
      ['accountsservice', '22.08.8-6', 'amd64'],
      ['acl', '2.3.1-3', 'amd64'],
      ['adduser', '3.131', 'all'],
      ['admin-session', '2023.06.26.c543406313-00', 'amd64'],
      ['attr', '1:2.5.1-4', 'amd64'],
      ['libacl1', '2.3.1-3', 'amd64'],
      ['util-linux-extra', '2.38.1-5+b1', 'amd64'],
    ]);
    expect(entries.every((e) => e.status === 'install ok installed')).toBe(true);
    expect(entries[3]!.maintainer).toContain('nobody@google.com');
    expect(entries[5]).toMatchObject({ source: 'acl' });
    expect(entries[5]!.sourceVersion).toBeUndefined();
    expect(entries[6]).toMatchObject({ source: 'util-linux', sourceVersion: '2.38.1-5' });
  });

  it('status.d/libsqlite3-0: one stanza without Status', () => {
    const { entries, problems } = parse('status.d/libsqlite3-0');
    expect(problems).toEqual([]);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ package: 'libsqlite3-0', version: '3.34.1-3', source: 'sqlite3', architecture: 'arm64', installedSize: 1490 });
    expect(entries[0]!.status).toBeUndefined();
    expect(isInstalled(entries[0]!.status)).toBe(true);
    expect(entries[0]!.maintainer).toBe('Laszlo Boszormenyi (GCS) <gcs@debian.org>');
    expect(entries[0]!.depends).toEqual(['libc6 (>= 2.29)']);
  });
});

describe('dpkg side files', () => {
  it('info/zlib1g.md5sums: four records with a leading slash added, last line without newline', () => {
    const { records, problems } = parseMd5sums(fixture('dpkg/info/zlib1g.md5sums').toString());
    expect(problems).toEqual([]);
    expect(records).toEqual([
      { path: '/lib/x86_64-linux-gnu/libz.so.1.2.11', digest: '55f905631797551d4d936a34c7e73474' },
      { path: '/usr/share/doc/zlib1g/changelog.Debian.gz', digest: 'cede84bda30d2380217f97753c8ccf3a' },
      { path: '/usr/share/doc/zlib1g/changelog.gz', digest: 'f3c9dafa6da7992c47328b4464f6d122' },
      { path: '/usr/share/doc/zlib1g/copyright', digest: 'a4fae96070439a5209a62ae5b8017ab2' },
    ]);
  });

  it('status.d/libsqlite3-0.md5sums: six records', () => {
    const { records } = parseMd5sums(fixture('dpkg/status.d/libsqlite3-0.md5sums').toString());
    expect(records).toHaveLength(6);
    expect(records[0]).toEqual({ path: '/usr/lib/aarch64-linux-gnu/libsqlite3.so.0.8.6', digest: 'e11d70c96979a1328ae4e7e50542782b' });
    expect(records[5]).toEqual({ path: '/usr/share/doc/libsqlite3-0/copyright', digest: 'be64db3e095486e5e105652c51199358' });
  });

  it('a malformed md5sums line is a problem, not a silent drop', () => {
    const { records, problems } = parseMd5sums('55f905631797551d4d936a34c7e73474  lib/a\nnot a line\n');
    expect(records).toHaveLength(1);
    expect(problems).toEqual([expect.objectContaining({ line: 2 })]);
  });

  it('.list drops the "/." root line and keeps directories and files in order', () => {
    expect(parseList('/.\n/usr\n/usr/bin\n/usr/bin/x\n')).toEqual(['/usr', '/usr/bin', '/usr/bin/x']);
  });

  it('Source and Installed-Size helpers', () => {
    expect(parseSource('libselinux (3.4-1)')).toEqual({ name: 'libselinux', version: '3.4-1' });
    expect(parseSource('glibc')).toEqual({ name: 'glibc' });
    expect(parseInstalledSize('4064')).toBe(4064);
    expect(parseInstalledSize('2 MiB')).toBe(2048);
    expect(parseInstalledSize('lots')).toBeUndefined();
  });
});
