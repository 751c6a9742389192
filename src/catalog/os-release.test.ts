import { describe, expect, it } from 'vitest';
import { fsIndexFromFiles } from '../image/fs/memory-fs.js';
import { distroOf, distroQualifier, fromDebianVersion, fromRedhatRelease, parseOsRelease } from './os-release.js';
import { purl } from './purl.js';

describe('distro detection', () => {
  it('parses os-release with quotes and escapes', () => {
    const kv = parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME=\'Debian\'\nVERSION_ID="12"\nID=debian\n# comment\nX="a \\"q\\" b"\n');
    expect(kv).toMatchObject({ PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)', NAME: 'Debian', VERSION_ID: '12', ID: 'debian', X: 'a "q" b' });
  });

  it('follows /etc/os-release -> ../usr/lib/os-release inside the image', () => {
    const fs = fsIndexFromFiles({ '/usr/lib/os-release': 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n', '/etc/os-release': { symlink: '../usr/lib/os-release' } });
    expect(distroOf(fs)).toMatchObject({ id: 'debian', versionId: '12', versionCodename: 'bookworm', source: '/etc/os-release' });
  });

  it('falls back to alpine-release, debian_version, redhat-release', () => {
    expect(distroOf(fsIndexFromFiles({ '/etc/alpine-release': '3.19.1\n' }))).toMatchObject({ id: 'alpine', versionId: '3.19.1' });
    expect(distroOf(fsIndexFromFiles({ '/etc/debian_version': '12.5\n' }))).toMatchObject({ id: 'debian', versionId: '12' });
    expect(fromDebianVersion('bookworm/sid', 'x')).toMatchObject({ id: 'debian', versionCodename: 'bookworm' });
    expect(distroOf(fsIndexFromFiles({ '/etc/redhat-release': 'Red Hat Enterprise Linux release 8.8 (Ootpa)\n' }))).toMatchObject({ id: 'rhel', versionId: '8.8' });
    expect(fromRedhatRelease('CentOS Linux release 7.9.2009 (Core)', 'x')).toMatchObject({ id: 'centos', versionId: '7.9.2009' });
    expect(distroOf(fsIndexFromFiles({ '/bin/sh': 'x' }))).toBeUndefined();
  });

  it('distro qualifier', () => {
    expect(distroQualifier({ id: 'debian', versionId: '12', idLike: [], source: '' })).toBe('debian-12');
    expect(distroQualifier(undefined)).toBeUndefined();
  });
});

describe('purl encoding', () => {
  it('sorts qualifiers, drops empty ones, percent-encodes but keeps ":"', () => {
    expect(purl({ type: 'deb', namespace: 'debian', name: 'libgmp10', version: '2:6.2.1+dfsg1-1.1', qualifiers: { upstream: 'gmp', arch: 'amd64', distro: 'debian-12', epoch: '' } })).toBe(
      'pkg:deb/debian/libgmp10@2:6.2.1%2Bdfsg1-1.1?arch=amd64&distro=debian-12&upstream=gmp',
    );
    expect(purl({ type: 'rpm', name: 'a b', version: '1@2' })).toBe('pkg:rpm/a%20b@1%402');
  });
});
