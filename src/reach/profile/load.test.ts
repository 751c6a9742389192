import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CreachError } from '../../errors.js';
import { load, parseReport } from './load.js';

const td = (p: string) => fileURLToPath(new URL(`./testdata/${p}`, import.meta.url));

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CreachError);
    return { code: (e as CreachError).code, message: (e as Error).message };
  }
  throw new Error('expected a CreachError');
}

describe('load', () => {
  it('reads a complete creach report with ops, executables, failed lookups and pseudo paths handled', async () => {
    const [p] = await load([td('creach-complete')]);
    expect(p.producer).toBe('creach');
    expect(p.mode).toBe('ptrace-seccomp');
    expect(p.complete).toBe(true);
    expect(p.image.configDigest).toMatch(/^sha256:1{64}$/);
    expect([...p.files.get('/usr/sbin/nginx')!.ops]).toEqual(['exec']);
    expect([...p.files.get('/usr/sbin/nginx')!.executables]).toEqual(['/usr/sbin/nginx']);
    expect([...p.files.get('/lib/x86_64-linux-gnu/libssl.so.3')!.ops].sort()).toEqual(['mmap', 'read']);
    // every attempt failed: a lookup, not a use
    expect([...p.files.get('/etc/ld.so.preload')!.ops]).toEqual(['stat']);
    expect(p.files.has('/proc/self/maps')).toBe(false);
    expect(p.files.has('/opt/_instrumented/creach-sensor')).toBe(false); // the sensor's own
  });

  it('finds every creport.json under a folder tree (replicas) and marks dropped events incomplete', async () => {
    const ps = await load([td('creach-partial')]);
    expect(ps.map((p) => p.source.replace(/.*testdata\//, ''))).toEqual(['creach-partial/run1/creport.json', 'creach-partial/run2/creport.json']);
    expect(ps[0].complete).toBe(true);
    expect(ps[1].complete).toBe(false);
    expect(ps[1].incompleteReasons.join(' ')).toMatch(/ptrace not permitted/);
  });

  it('reads the mint/slim sensor report: fan process_files, pt fs_activity, image.files flags', async () => {
    const [p] = await load([td('mint-nginx')]);
    expect(p.producer).toBe('mint');
    expect(p.mode).toBe('mint:fanotify+ptrace');
    expect(p.complete).toBe(true);
    expect(p.image.configDigest).toBeUndefined();
    expect([...p.files.get('/usr/sbin/nginx')!.ops].sort()).toEqual(['exec', 'read']);
    expect([...p.files.get('/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0.11.2')!.executables]).toEqual(['/usr/sbin/nginx']);
    expect([...p.files.get('/etc/nginx/nginx.conf')!.ops]).toEqual(['read']);
    expect([...p.files.get('/var/log/nginx/access.log')!.ops]).toEqual(['write']);
    expect([...p.files.get('/etc/ld.so.cache')!.ops]).toEqual(['read']);
    expect([...p.files.get('/usr/share/zoneinfo/UTC')!.ops]).toEqual(['stat']);
    expect(p.files.has('/etc/nginx')).toBe(false); // a directory on the way (is_subdir)
    expect(p.files.has('/proc/self/status')).toBe(false);
    expect([...p.files.get('/usr/lib/x86_64-linux-gnu/libz.so.1.2.13')!.ops]).toEqual(['read']);
    expect([...p.files.get('/var/cache/nginx/x')!.ops]).toEqual(['write']);
  });

  it('a report that is not JSON names the file and where it broke', async () => {
    const e = await codeOf(load([td('not-json')]));
    expect(e.code).toBe('REPORT_MALFORMED');
    expect(e.message).toContain('not-json/creport.json');
    expect(e.message).toMatch(/truncated|line \d+, column \d+/);
  });

  it('a syntax error in the middle gives line and column', () => {
    try {
      parseReport('{\n  "schema": "creach.report/v1",\n  oops\n}', '/x/creport.json');
      expect.fail('no error');
    } catch (e) {
      expect((e as CreachError).code).toBe('REPORT_MALFORMED');
      expect((e as Error).message).toMatch(/^\/x\/creport\.json: not valid JSON at line 3, column 3/);
    }
  });

  it('an unknown JSON document is REPORT_UNSUPPORTED; a newer creach schema too', async () => {
    expect((await codeOf(load([td('unknown-format')]))).code).toBe('REPORT_UNSUPPORTED');
    expect(() => parseReport('{"schema":"creach.report/v9","files":[],"complete":true}', 'r.json')).toThrow(/creach\.report\/v9/);
  });

  it('a creach report with a wrong field shape is REPORT_MALFORMED naming the field', () => {
    expect(() => parseReport('{"schema":"creach.report/v1","complete":true,"files":[{"path":"/a","ops":["fly"]}]}', 'r.json')).toThrow(/files\[0\]\.ops has unknown op "fly"/);
  });

  it('a missing folder and a folder without reports are REPORT_NOT_FOUND', async () => {
    expect((await codeOf(load([td('does-not-exist')]))).code).toBe('REPORT_NOT_FOUND');
    const empty = mkdtempSync(join(tmpdir(), 'creach-test-empty-'));
    try {
      writeFileSync(join(empty, 'other.json'), '{}');
      const e = await codeOf(load([empty]));
      expect(e.code).toBe('REPORT_NOT_FOUND');
      expect(e.message).toContain(empty);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('a periodic flush (final: false) is never complete', () => {
    const p = parseReport(JSON.stringify({ schema: 'creach.report/v1', complete: true, final: false, files: [], tracing: { mode: 'ptrace' } }), 'r.json');
    expect(p.complete).toBe(false);
  });
});

describe('a report written by the real sensor (nginx under Docker, --cap-add SYS_PTRACE)', () => {
  it('reads with merged-/usr loader paths, maps and execs, and the sensor-only fields ignored', async () => {
    const [p] = await load([td('creach-sensor-nginx')]);
    expect(p.complete).toBe(true);
    expect(p.mode).toBe('seccomp-unotify');
    expect(p.image.configDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect([...p.files.get('/lib/x86_64-linux-gnu/libssl.so.3')!.ops]).toContain('read');
    expect([...p.files.get('/usr/lib/x86_64-linux-gnu/libssl.so.3')!.ops]).toContain('mmap');
    expect([...p.files.get('/usr/sbin/nginx')!.ops]).toContain('exec');
    expect([...p.files.get('/var/log/nginx/access.log')!.ops]).toEqual(['write']);
  });
});
