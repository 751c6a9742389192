import { describe, expect, it } from 'vitest';
import { CreachError } from '../errors.js';
import { fsIndexFromFiles } from '../image/fs/memory-fs.js';
import { Canonicalizer } from './canonical.js';
import { OwnershipIndex } from './ownership.js';
import { addFileEvidence, type FileOp, type Profile } from './profile/profile.js';
import { decide, type ReachInput } from './states.js';

const IMAGE = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;

// A merged-/usr Debian-like tree: /bin, /lib, /sbin are links into /usr.
const tree = fsIndexFromFiles({
  '/bin': { symlink: 'usr/bin' },
  '/lib': { symlink: 'usr/lib' },
  '/sbin': { symlink: 'usr/sbin' },
  '/usr/bin/dash': 'ELF',
  '/usr/bin/sh': { symlink: 'dash' },
  '/usr/lib/x86_64-linux-gnu/libc.so.6': 'ELF',
  '/usr/lib/x86_64-linux-gnu/libfoo.so.1': 'ELF',
  '/usr/lib/x86_64-linux-gnu/libfoo.so': { symlink: 'libfoo.so.1' },
  '/usr/sbin/nginx': 'ELF',
  '/usr/share/zoneinfo/UTC': 'TZif',
  '/etc/nginx/nginx.conf': 'conf',
  '/var/lib/dpkg/status': 'db',
  '/usr/bin/dpkg': 'ELF',
  '/srv/app/app.py': 'print()',
  '/etc/alternatives/awk': { symlink: '/usr/bin/mawk' },
  '/usr/bin/awk': { symlink: '/etc/alternatives/awk' },
  '/usr/bin/mawk': 'ELF',
});

// File lists as the dpkg database writes them: pre-merge paths for essential packages.
const packages = [
  { id: 'libc6', files: ['/lib/x86_64-linux-gnu/libc.so.6'] },
  { id: 'dash', files: ['/bin/dash', '/bin/sh'] },
  { id: 'libfoo1', files: ['/usr/lib/x86_64-linux-gnu/libfoo.so.1'] },
  { id: 'libfoo-dev', files: ['/usr/lib/x86_64-linux-gnu/libfoo.so'] },
  { id: 'nginx', files: ['/usr/sbin/nginx', '/etc/nginx/nginx.conf'] },
  { id: 'tzdata', files: ['/usr/share/zoneinfo/UTC'] },
  { id: 'dpkg', files: ['/usr/bin/dpkg'] },
  { id: 'mawk', files: ['/usr/bin/mawk'] },
  // every package lists its directories; those are never evidence
  { id: 'base-files', files: ['/usr', '/usr/lib', '/etc'] },
];

function profile(files: [string, FileOp[], string?][], over: Partial<Profile> = {}): Profile {
  const p: Profile = {
    source: over.source ?? '/profiles/a/creport.json',
    producer: 'creach',
    mode: 'ptrace-seccomp',
    complete: true,
    incompleteReasons: [],
    dropped: { paths: 0, processes: 0, events: 0, unreadableProcesses: 0 },
    image: { configDigest: IMAGE },
    files: new Map(),
    ...over,
  };
  for (const [path, ops, exe] of files) addFileEvidence(p.files, path, ops, exe ? [exe] : []);
  return p;
}

function run(profiles: Profile[], extra: Partial<ReachInput> = {}) {
  const canon = new Canonicalizer(tree);
  return decide({ packages, profiles, canon, ownership: new OwnershipIndex(packages, canon), imageConfigDigest: IMAGE, ...extra });
}

const nginxRun: [string, FileOp[], string?][] = [
  ['/usr/sbin/nginx', ['exec'], '/usr/sbin/nginx'],
  ['/lib/x86_64-linux-gnu/libc.so.6', ['read', 'mmap'], '/usr/sbin/nginx'],
  ['/bin/sh', ['exec'], '/usr/sbin/nginx'],
  ['/usr/lib/x86_64-linux-gnu/libfoo.so.1', ['mmap'], '/usr/sbin/nginx'],
  ['/usr/share/zoneinfo/UTC', ['stat'], '/usr/sbin/nginx'],
  ['/etc/nginx/nginx.conf', ['read']],
  ['/usr/bin/dpkg', ['write']],
  ['/usr', ['stat', 'read']],
  ['/srv/app/app.py', ['read'], '/usr/bin/python3'],
  ['/srv/app/cache.db', ['write']],
  ['/usr/bin/awk', ['exec']],
];

describe('decide', () => {
  const out = run([profile(nginxRun)]);
  const state = (id: string) => out.byPackage.get(id)!.state;

  it('maps merged-/usr runtime paths to pre-merge package paths (and the reverse)', () => {
    expect(state('libc6')).toBe('reachable');
    expect(out.byPackage.get('libc6')!.evidence).toEqual([
      { path: '/usr/lib/x86_64-linux-gnu/libc.so.6', recordedAs: ['/lib/x86_64-linux-gnu/libc.so.6'], ops: ['mmap', 'read'], executables: ['/usr/sbin/nginx'], profiles: [0] },
    ]);
    expect(state('dash')).toBe('reachable'); // /bin/sh -> dash, both owned by dash
    expect(state('mawk')).toBe('reachable'); // /usr/bin/awk -> /etc/alternatives/awk -> /usr/bin/mawk
  });

  it('a symlink shipped by one package does not make it reachable when its target was used directly', () => {
    expect(state('libfoo1')).toBe('reachable');
    expect(state('libfoo-dev')).toBe('unreachable');
  });

  it('stat-only is potentially reachable; writes are not use; directories are nobody\'s evidence', () => {
    expect(state('tzdata')).toBe('potentially_reachable');
    expect(state('dpkg')).toBe('unreachable');
    expect(out.byPackage.get('dpkg')!.reason).toMatch(/only written/);
    expect(state('base-files')).toBe('unreachable');
    expect(state('nginx')).toBe('reachable');
    expect(out.byPackage.get('nginx')!.reason).toBe('/usr/sbin/nginx executed by /usr/sbin/nginx (+1 more file)');
  });

  it('lists used files that exist in the image but no package owns', () => {
    expect(out.unowned.map((f) => f.path)).toEqual(['/srv/app/app.py']);
    expect(out.unowned[0].executables).toEqual(['/usr/bin/python3']);
    expect(out.complete).toBe(true);
  });

  it('never calls a package unreachable on an incomplete profile', () => {
    const o = run([profile(nginxRun, { complete: false, incompleteReasons: ['ptrace denied for 1 process'] })]);
    expect(o.byPackage.get('libc6')!.state).toBe('reachable');
    expect(o.byPackage.get('dpkg')!.state).toBe('unknown');
    expect(o.byPackage.get('dpkg')!.reason).toMatch(/ptrace denied/);
    expect(o.warnings.join('\n')).toMatch(/incomplete/);
  });

  it('merges replicas: evidence from either run counts, one partial run makes absence unknown', () => {
    const a = profile([['/usr/sbin/nginx', ['exec']]], { source: '/p/1/creport.json' });
    const b = profile([['/usr/bin/dpkg', ['exec']]], { source: '/p/2/creport.json' });
    const o = run([a, b]);
    expect(o.byPackage.get('nginx')!.state).toBe('reachable');
    expect(o.byPackage.get('dpkg')!.state).toBe('reachable');
    expect(o.byPackage.get('dpkg')!.evidence[0].profiles).toEqual([1]);
    expect(o.byPackage.get('tzdata')!.state).toBe('unreachable');
    const o2 = run([a, { ...b, complete: false }]);
    expect(o2.byPackage.get('tzdata')!.state).toBe('unknown');
  });

  it('a profile from another image is set aside with a warning, or an error with --strict', () => {
    const foreign = profile(nginxRun, { image: { configDigest: OTHER, reference: 'other:1' } });
    const o = run([foreign]);
    expect([...o.byPackage.values()].every((r) => r.state === 'unknown')).toBe(true);
    expect(o.byPackage.get('libc6')!.reason).toBe('every profile belongs to another image');
    expect(o.profiles[0]).toMatchObject({ pairing: 'mismatch', used: false });
    expect(o.warnings[0]).toContain(OTHER);
    try {
      run([foreign], { strict: true });
      expect.fail('strict did not throw');
    } catch (e) {
      expect(e).toBeInstanceOf(CreachError);
      expect((e as CreachError).code).toBe('REPORT_IMAGE_MISMATCH');
    }
    // mixed: the matching profile's evidence counts, but nothing can be unreachable
    const mixed = run([profile([['/usr/sbin/nginx', ['exec']]]), foreign]);
    expect(mixed.byPackage.get('nginx')!.state).toBe('reachable');
    expect(mixed.byPackage.get('dpkg')!.state).toBe('unknown');
  });

  it('a report that does not record its image is used, with a warning', () => {
    const o = run([profile([['/usr/sbin/nginx', ['exec']]], { producer: 'mint', image: {} })]);
    expect(o.byPackage.get('nginx')!.state).toBe('reachable');
    expect(o.byPackage.get('dpkg')!.state).toBe('unreachable');
    expect(o.profiles[0].pairing).toBe('unverified');
    expect(o.warnings.join('\n')).toMatch(/does not record which image/);
  });

  it('no profile: everything unknown', () => {
    const o = run([]);
    expect([...o.byPackage.values()].map((r) => r.state)).toEqual(packages.map(() => 'unknown'));
    expect(o.complete).toBe(false);
  });
});
