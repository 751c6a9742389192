import { describe, expect, it } from 'vitest';
import { fsIndexFromFiles } from '../image/fs/memory-fs.js';
import { scanResultSchemaErrors } from '../output/golden.js';
import { addFileEvidence, type Profile } from '../reach/profile/profile.js';
import { buildResult, type CatalogedPackage } from './build.js';

const IMAGE = `sha256:${'c'.repeat(64)}`;
const tree = fsIndexFromFiles({
  '/lib': { symlink: 'usr/lib' },
  '/usr/lib/x86_64-linux-gnu/libz.so.1.2.13': 'ELF',
  '/usr/lib/x86_64-linux-gnu/libz.so.1': { symlink: 'libz.so.1.2.13' },
  '/usr/bin/apt': 'ELF',
  '/usr/bin/zstd': 'ELF',
});
const pkg = (name: string, files: string[]): CatalogedPackage => ({
  id: `deb:${name}`,
  name,
  version: '1.0-1',
  arch: 'amd64',
  type: 'deb',
  purl: `pkg:deb/debian/${name}@1.0-1?arch=amd64&distro=debian-12`,
  files,
});
const packages = [pkg('zstd', ['/usr/bin/zstd']), pkg('apt', ['/usr/bin/apt']), pkg('zlib1g', ['/lib/x86_64-linux-gnu/libz.so.1', '/lib/x86_64-linux-gnu/libz.so.1.2.13'])];
const image = { reference: 'example:1', configDigest: IMAGE, platform: 'linux/amd64', layers: 1 };

function prof(complete: boolean): Profile {
  const p: Profile = { source: '/r/creport.json', producer: 'creach', mode: 'ptrace', complete, incompleteReasons: complete ? [] : ['x'], dropped: { paths: 0, processes: 0, events: 3, unreadableProcesses: 0 }, image: { configDigest: IMAGE }, files: new Map() };
  addFileEvidence(p.files, '/usr/lib/x86_64-linux-gnu/libz.so.1', ['mmap'], ['/usr/sbin/nginx']);
  return p;
}

describe('buildResult', () => {
  it('produces a schema-valid result sorted by state with counts', () => {
    const r = buildResult({ image, tree, packages, profiles: [prof(true)], distro: { id: 'debian', versionId: '12' }, projectName: 'p', now: new Date(0) });
    expect(scanResultSchemaErrors(JSON.parse(JSON.stringify(r)))).toBe('');
    expect(r.packages.map((p) => `${p.name}:${p.reachability}`)).toEqual(['zlib1g:reachable', 'apt:unreachable', 'zstd:unreachable']);
    expect(r.counts).toEqual({ reachable: 1, potentially_reachable: 0, unreachable: 2, unknown: 0, total: 3 });
    expect(r.profiles).toMatchObject({ count: 1, used: 1, complete: true, modes: ['ptrace'], mismatched: 0 });
    expect(r.packages[0].evidence.map((e) => e.path).sort()).toEqual(['/usr/lib/x86_64-linux-gnu/libz.so.1', '/usr/lib/x86_64-linux-gnu/libz.so.1.2.13']);
    expect(r.createdAt).toBe('1970-01-01T00:00:00.000Z');
  });

  it('without --os-reachability every package is unknown and says why', () => {
    const r = buildResult({ image, tree, packages });
    expect(r.osReachability).toBe(false);
    expect(r.counts.unknown).toBe(3);
    expect(r.packages[0].reason).toMatch(/--os-reachability/);
    expect(scanResultSchemaErrors(JSON.parse(JSON.stringify(r)))).toBe('');
  });

  it('sums dropped counts of used profiles', () => {
    const r = buildResult({ image, tree, packages, profiles: [prof(false), prof(false)] });
    expect(r.profiles.dropped.events).toBe(6);
    expect(r.profiles.complete).toBe(false);
    expect(r.counts.unknown).toBe(2);
  });
});
