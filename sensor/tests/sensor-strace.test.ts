// The strace parser is the fidelity tests' ground truth, so it is tested on real strace output
// (recorded in the sensor test image from the workloads in workloads/).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectedFiles, joinResumed, parseStrace, splitArgs, unescape } from '../../test/support/sensor-strace.js';

const testdata = (name: string) => readFileSync(new URL(`testdata/${name}`, import.meta.url), 'utf8');
const has = (events: ReturnType<typeof parseStrace>, op: string, p: string) =>
  events.some((e) => e.op === op && e.path === p);

describe('parseStrace', () => {
  it('resolves relative opens through -y decorations and relative execs through the tracked cwd', () => {
    const events = parseStrace(testdata('strace-chdir-relative.txt'));
    expect(has(events, 'read', '/tmp/creach-rel/sub/inner.txt')).toBe(true);
    expect(has(events, 'read', '/tmp/creach-rel/top.txt')).toBe(true);
    expect(has(events, 'read', '/etc/passwd')).toBe(true);
    expect(has(events, 'write', '/tmp/creach-rel/top.txt')).toBe(true);
    // execve("./probe") after chdir("/w"), in a forked child that inherited the cwd
    expect(has(events, 'exec', '/w/probe')).toBe(true);
    expect(has(events, 'exec', '/w/chdir-relative')).toBe(true);
    // opening a directory (O_DIRECTORY) is not a file use
    expect(events.some((e) => e.path === '/etc')).toBe(false);
  });

  it('turns execveat(fd, "", AT_EMPTY_PATH) and execveat(dirfd, name) into execs of the file', () => {
    const events = parseStrace(testdata('strace-execveat.txt'));
    const execs = events.filter((e) => e.op === 'exec' && e.path === '/w/probe');
    expect(execs.map((e) => e.syscall)).toEqual(['execveat', 'execveat', 'execveat']);
    expect(execs[0]!.argv).toEqual(['probe', '--open', '/tmp/creach-execveat-fexecve.txt']);
    // fexecve's O_RDONLY open is a read; the O_PATH open of the raw execveat case is not
    expect(events.filter((e) => e.op === 'read' && e.path === '/w/probe')).toHaveLength(1);
  });

  it('follows vfork children and joins unfinished/resumed lines in a shell pipeline', () => {
    const text = testdata('strace-shell-pipes.sh.txt');
    expect(joinResumed(text).some((l) => l.includes('resumed'))).toBe(false);
    const events = parseStrace(text);
    for (const bin of ['/usr/bin/mkdir', '/usr/bin/cat', '/usr/bin/sort', '/usr/bin/tr', '/usr/bin/wc', '/usr/bin/head'])
      expect(has(events, 'exec', bin), bin).toBe(true);
    // cat os-release in a subshell after cd /etc: named path and the kernel's resolved symlink target
    expect(events.some((e) => e.op === 'read' && e.path === '/etc/os-release' && e.resolved === '/usr/lib/os-release')).toBe(true);
    expect(has(events, 'write', '/tmp/creach-shell/sorted.txt')).toBe(true);
    expect(events.some((e) => e.op === 'read' && e.path === '/lib/x86_64-linux-gnu/libc.so.6' && e.resolved === '/usr/lib/x86_64-linux-gnu/libc.so.6')).toBe(true);
    const files = expectedFiles(events, new Set());
    expect(files.some((e) => e.path.startsWith('/dev/'))).toBe(false);
  });

  it('returns failed opens and execs only when asked, with the named path', () => {
    // posix_spawnp with PATH=/nonexistent:/w tries /nonexistent/probe first
    const text = testdata('strace-spawn.txt');
    expect(parseStrace(text).some((e) => e.failed)).toBe(false);
    const failed = parseStrace(text, { includeFailed: true }).filter((e) => e.failed);
    expect(failed.map((e) => `${e.op} ${e.path}`)).toContain('exec /nonexistent/probe');
    const ok = parseStrace(text).filter((e) => e.op === 'exec' && e.path === '/w/probe');
    expect(ok).toHaveLength(3);
  });

  it('unescapes strace strings as bytes decoded as UTF-8', () => {
    expect(unescape('caf\\303\\251 tab\\there \\"q\\" back\\\\slash new\\nline')).toBe('café tab\there "q" back\\slash new\nline');
    expect(unescape('bad-\\377-utf8')).toBe('bad-\uFFFD-utf8');
    expect(unescape('\\x41\\x42')).toBe('AB');
  });

  it('splits arguments without breaking quoted strings, arrays or fd decorations', () => {
    expect(splitArgs('3</a, b>, "x, \\"y\\"", [1, 2], {a=1, b=2}, AT_EMPTY_PATH')).toEqual([
      '3</a, b>', '"x, \\"y\\""', '[1, 2]', '{a=1, b=2}', 'AT_EMPTY_PATH',
    ]);
  });
});
