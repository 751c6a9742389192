// Fidelity of the sensor: every regular file that `strace -f` shows a workload successfully
// opening or executing (outside /proc, /sys, /dev) must be in the sensor's report with the right
// op, and every process strace saw exec must be in the report with its argv. Both run in a real
// container from the same image under Docker's default seccomp profile, without --privileged and
// without added capabilities. Workloads also print the paths they use ("creach-expect: OP PATH"),
// which covers what strace cannot see (io_uring) and stat-only evidence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cleanup, sensorDebianImage, sensorRunImage } from '../support/sensor-images.js';
import { type CReport, type ReportOp, ReportIndex, canonicalize, expectLines, parseReport } from '../support/sensor-report.js';
import { type Engine, type StraceRun, engineLabel, runUnderSensor, runUnderStrace } from '../support/sensor-run.js';
import { expectedFiles, parseStrace } from '../support/sensor-strace.js';

interface Workload {
  name: string;
  cmd: string[];
  /** Files the kernel opens without a syscall strace could show (ELF interpreter, #! interpreter). */
  alsoExpect?: { path: string; anyOf: ReportOp[] }[];
}

// The dynamic loader is mapped by the kernel at exec (PT_INTERP) and a #! script's interpreter is
// exec'd by the kernel: strace shows neither, yet both are files the app uses.
const LOADER = { path: '/lib64/ld-linux-x86-64.so.2', anyOf: ['exec', 'mmap', 'read'] as ReportOp[] };

const WORKLOADS: Workload[] = [
  { name: 'a shell script with pipes and subshells', cmd: ['/w/shell-pipes.sh'], alsoExpect: [{ path: '/bin/sh', anyOf: ['exec', 'mmap'] }, LOADER] },
  { name: 'threads that open files', cmd: ['/w/threads'] },
  { name: 'vfork and posix_spawn(p)', cmd: ['/w/spawn'] },
  { name: 'fexecve and execveat (AT_EMPTY_PATH, dirfd)', cmd: ['/w/execveat'] },
  { name: 'relative paths after chdir and fchdir', cmd: ['/w/chdir-relative'] },
  { name: 'openat/openat2/fstatat with a dirfd', cmd: ['/w/openat-dirfd'] },
  { name: 'a dynamic program (ls, shared libraries via the loader)', cmd: ['/bin/ls', '-l', '/etc/apt'], alsoExpect: [LOADER] },
  { name: 'a Python program importing modules', cmd: ['python3', '/w/py-imports.py'], alsoExpect: [LOADER] },
  { name: 'a daemon (double fork) that outlives its parent', cmd: ['/w/daemon'] },
  { name: 'write-side calls (rename, unlink, mkdir, truncate, chmod, chown, link, symlink) and stat-side calls', cmd: ['/w/write-side'] },
  { name: 'a thread that execs while its sibling threads open files (de_thread)', cmd: ['/w/thread-exec'] },
  { name: 'a 64-bit program making i386 syscalls through int $0x80', cmd: ['/w/int80'] },
  { name: 'a chrooted child opening and executing by absolute paths inside the jail', cmd: ['/w/chroot-jail'] },
  { name: 'image files opened through /proc/self/root, /proc/self/cwd and /proc/self/fd', cmd: ['/w/proc-paths'] },
  { name: 'openat2 with RESOLVE_IN_ROOT (an absolute name under a dirfd root)', cmd: ['/w/openat2-in-root'] },
  { name: 'paths with spaces, quotes, a newline, UTF-8, a non-UTF-8 byte and 3,000+ bytes', cmd: ['/w/odd-paths'] },
];

// Every full engine must be complete; `auto` is what users get and must pick one of them here.
// fanotify needs CAP_SYS_ADMIN, so it runs with that capability added (and says so in the name).
const ENGINES: Engine[] = ['unotify', 'ptrace', 'fanotify'];
const NO_CAP_ENGINES: Engine[] = ['unotify', 'ptrace'];

let image: string;
const cleanup = new Cleanup();
const straceRuns = new Map<string, Promise<StraceRun>>();

beforeAll(async () => {
  image = cleanup.image(await sensorRunImage(await sensorDebianImage()));
});
afterAll(async () => {
  await cleanup.run();
});

function strace(w: Workload): Promise<StraceRun> {
  let p = straceRuns.get(w.name);
  if (!p) {
    p = runUnderStrace(image, w.cmd);
    straceRuns.set(w.name, p);
  }
  return p;
}

/** The common checks on any report of a finished run. */
function checkReportBasics(report: CReport, cmd: string[], exitCode: number): string[] {
  const problems: string[] = [];
  if (!report.final) problems.push('final is not true after the app exited');
  if (report.app.exitStatus !== exitCode) problems.push(`app.exitStatus ${report.app.exitStatus} != container exit ${exitCode}`);
  if (JSON.stringify(report.app.argv) !== JSON.stringify(cmd)) problems.push(`app.argv ${JSON.stringify(report.app.argv)} != ${JSON.stringify(cmd)}`);
  if (report.processes.length === 0) problems.push('no processes');
  if (!report.processes.some((p) => p.argv.length > 0)) problems.push('no process has an argv');
  return problems;
}

function opsFor(op: ReportOp, readWrite?: boolean): ReportOp[] {
  return readWrite ? ['read', 'write'] : [op];
}

async function compare(w: Workload, engine: Engine) {
  const s = await strace(w);
  expect(s.exitCode, `workload under strace failed: ${s.stderr}`).toBe(0);
  const run = await runUnderSensor(cleanup, image, w.cmd, { engine });
  expect(run.reportText, `no report at /opt/_instrumented/artifacts/creport.json; sensor stderr: ${run.stderr}`).toBeDefined();
  const report = parseReport(run.reportText!, `${w.name} (${engine})`);
  expect(run.exitCode, `sensor exit status; stderr: ${run.stderr}`).toBe(s.exitCode);

  const expected = expectedFiles(parseStrace(s.strace), s.directories);
  // Paths whose every open/exec failed: lookups, not use (a package must not become reachable
  // because the loader probed a directory it does not have).
  const all = parseStrace(s.strace, { includeFailed: true });
  const succeeded = new Set(all.filter((e) => !e.failed).flatMap((e) => [e.path, e.resolved ?? e.path]));
  const failedOnly = [...new Set(all.filter((e) => e.failed && !succeeded.has(e.path)).map((e) => e.path))];
  const announced = expectLines(run.stdout);
  const canon = await canonicalize(image, [
    ...report.files.map((f) => f.path),
    ...expected.flatMap((e) => [e.path, ...(e.resolved ? [e.resolved] : [])]),
    ...all.flatMap((e) => [e.path, ...(e.resolved ? [e.resolved] : [])]),
    ...announced.map((a) => a.path),
    ...(w.alsoExpect ?? []).map((a) => a.path),
    ...failedOnly,
  ]);
  const index = new ReportIndex(report, canon);

  const missing: string[] = [];
  for (const e of expected) {
    const want = opsFor(e.op, e.readWrite);
    // Opens are checked by the file the kernel opened (strace -y): that is right through symlinks,
    // /proc/self/root, chroot and RESOLVE_IN_ROOT alike. Execs by the named path.
    const p = e.resolved ?? e.path;
    if (!index.has(p, want)) {
      const got = index.ops(p);
      missing.push(`${want.join('|')} ${p}${e.resolved && e.resolved !== e.path ? ` (→ ${e.resolved})` : ''} [${e.syscall} by pid ${e.pid}]: report has ${got ? [...got].join(',') : 'nothing'}`);
    }
  }
  for (const a of announced) {
    if (!index.has(a.path, [a.op])) missing.push(`${a.op} ${a.path} [announced by the workload]: report has ${[...(index.ops(a.path) ?? [])].join(',') || 'nothing'}`);
  }
  for (const a of w.alsoExpect ?? []) {
    if (!index.has(a.path, a.anyOf)) missing.push(`${a.anyOf.join('|')} ${a.path} (→ ${index.canonical(a.path)}) [opened by the kernel at exec]: report has ${[...(index.ops(a.path) ?? [])].join(',') || 'nothing'}`);
  }
  for (const f of report.files) {
    if (/^\/(proc|sys|dev)(\/|$)/.test(f.path)) missing.push(`${f.path} is in the report (/proc, /sys and /dev are left out)`);
    if (f.path.startsWith('/opt/_instrumented/')) missing.push(`${f.path} is in the report (the sensor's own files are left out)`);
  }
  // Precision: a file reported as read must have been opened (strace saw it), or a package becomes
  // reachable through a file the app never touched.
  // Directories (listed with O_DIRECTORY opens) are not files of use; bytes that are not UTF-8 are
  // spelled differently on each side, so both are compared with non-ASCII folded to '?'.
  const fold = (p: string) => p.replace(/[^\x20-\x7e]/gu, '?');
  const opened = new Set(all.filter((e) => !e.failed && e.op !== 'exec').map((e) => fold(index.canonical(e.resolved ?? e.path))));
  for (const f of report.files) {
    if (f.failed || !f.ops.includes('read') || s.directories.has(index.canonical(f.path))) continue;
    if (!opened.has(fold(index.canonical(f.path)))) missing.push(`${f.path} is reported as read, but strace saw no successful open of it`);
  }
  const failedCanon = new Set(failedOnly.map((p) => index.canonical(p)));
  for (const f of report.files) {
    if (f.failed || !failedCanon.has(index.canonical(f.path))) continue;
    const used = f.ops.filter((o) => o !== 'stat');
    if (used.length) missing.push(`${f.path} is reported as ${used.join(',')} but every open/exec of it failed (strace); it should be failed:true or stat`);
  }
  const pids = new Set(report.processes.map((p) => p.pid));
  for (const f of report.files) {
    if (f.firstPid !== undefined && !pids.has(f.firstPid)) missing.push(`firstPid ${f.firstPid} of ${f.path} is not in processes`);
  }
  const execArgv = parseStrace(s.strace).filter((e) => e.op === 'exec' && e.argv);
  for (const e of execArgv) {
    if (!report.processes.some((p) => JSON.stringify(p.argv) === JSON.stringify(e.argv)))
      missing.push(`process with argv ${JSON.stringify(e.argv)} (exec of ${e.path})`);
  }
  const problems = checkReportBasics(report, w.cmd, run.exitCode);
  if (engine === 'unotify' && report.tracing.mode !== 'seccomp-unotify') problems.push(`--engine unotify ran mode ${report.tracing.mode}`);
  if (engine === 'ptrace' && !report.tracing.mode.startsWith('ptrace')) problems.push(`--engine ptrace ran mode ${report.tracing.mode}`);
  if (engine === 'fanotify' && report.tracing.mode !== 'fanotify') problems.push(`--engine fanotify ran mode ${report.tracing.mode}`);
  if (!report.complete) problems.push(`complete is false: ${JSON.stringify(report.incompleteReasons)}`);

  expect({ missing, problems }, `${expected.length} files from strace, ${announced.length} announced`).toEqual({ missing: [], problems: [] });
  return { report, expected };
}

for (const w of WORKLOADS) {
  describe(w.name, () => {
    for (const engine of ENGINES) {
      it(`${engineLabel(engine)}: every file strace saw opened or executed is in the report with its op`, async () => {
        const { expected } = await compare(w, engine);
        // A ground truth that found nothing would make this test pass vacuously.
        expect(expected.length).toBeGreaterThan(0);
      });
    }
  });
}

describe('a program that opens files through io_uring (Docker default seccomp profile: io_uring_setup is allowed on this engine)', () => {
  for (const engine of ENGINES) {
    it(`${engineLabel(engine)}: the file held open is reported as read; the one opened and closed inside the ring is reported or the record is marked incomplete`, async () => {
      const cmd = ['/w/io-uring'];
      const run = await runUnderSensor(cleanup, image, cmd, { engine });
      expect(run.stdout, 'io_uring must work in this container, or this test proves nothing').not.toMatch(/io_uring-unavailable/);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.reportText, `no report; stderr: ${run.stderr}`).toBeDefined();
      const report = parseReport(run.reportText!, `io_uring (${engine})`);
      const held = expectLines(run.stdout);
      const closed = expectLines(run.stdout, 'creach-expect-uring-closed:');
      expect(held).toHaveLength(1);
      expect(closed).toHaveLength(1);
      const index = new ReportIndex(report, await canonicalize(image, [...report.files.map((f) => f.path), held[0]!.path, closed[0]!.path]));
      expect(index.ops(held[0]!.path), `${held[0]!.path} (opened by IORING_OP_OPENAT, held open until exit)`).toContain('read');
      const seenClosed = index.has(closed[0]!.path, ['read']);
      expect(seenClosed || report.complete === false, `${closed[0]!.path} was opened via io_uring and closed; it is not in the report, yet complete is true (a silent drop)`).toBe(true);
      expect(checkReportBasics(report, cmd, run.exitCode)).toEqual([]);
    });
  }
});

describe('a child that switches to user nobody, then opens, writes and execs', () => {
  const cmd = ['/w/switch-user'];
  for (const engine of NO_CAP_ENGINES) {
    it(`${engineLabel(engine)}, default capabilities: what it cannot read is counted and the record is incomplete, naming CAP_SYS_PTRACE; what it can read is there`, async () => {
      // After setuid the process is not dumpable, so neither the sensor nor strace can read its
      // memory without CAP_SYS_PTRACE; after it execs probe it is dumpable again.
      const run = await runUnderSensor(cleanup, image, cmd, { engine });
      expect(run.exitCode, run.stderr).toBe(0);
      const report = parseReport(run.reportText ?? '', `switch-user (${engine})`);
      const index = new ReportIndex(report, await canonicalize(image, report.files.map((f) => f.path)));
      const announced = expectLines(run.stdout);
      const allThere = announced.every((a) => index.has(a.path, [a.op]));
      if (!allThere) {
        expect(report.complete, 'files are missing, so the record must say it is incomplete').toBe(false);
        expect(report.dropped.unreadableProcesses ?? 0).toBeGreaterThanOrEqual(1);
        expect((report.incompleteReasons ?? []).join(' ')).toMatch(/CAP_SYS_PTRACE/);
      }
      expect(index.has('/etc/hostname', ['read']), '/etc/hostname, read by probe after the exec').toBe(true);
      expect(index.has('/w/probe', ['exec']), 'the exec made as nobody').toBe(true);
      expect(checkReportBasics(report, cmd, run.exitCode)).toEqual([]);
    });

    it(`${engineLabel(engine)}, --cap-add SYS_PTRACE: every file is recorded and the record is complete`, async () => {
      const run = await runUnderSensor(cleanup, image, cmd, { engine, runArgs: ['--cap-add', 'SYS_PTRACE'] });
      expect(run.exitCode, run.stderr).toBe(0);
      const report = parseReport(run.reportText ?? '', `switch-user +SYS_PTRACE (${engine})`);
      const index = new ReportIndex(report, await canonicalize(image, report.files.map((f) => f.path)));
      const missing = expectLines(run.stdout).filter((a) => !index.has(a.path, [a.op]));
      expect({ missing, complete: report.complete, reasons: report.incompleteReasons ?? [] }).toEqual({ missing: [], complete: true, reasons: [] });
    });
  }
});

describe('counts and many processes', () => {
  for (const engine of ENGINES) {
    it(`${engineLabel(engine)}: per-file read counts match strace's (100 files opened 20 times each; fanotify: lower bounds)`, async () => {
      const cmd = ['/w/file-heavy', '2000'];
      const s = await runUnderStrace(image, cmd);
      expect(s.exitCode, s.stderr).toBe(0);
      const want = new Map<string, number>();
      for (const e of parseStrace(s.strace)) if (e.op === 'read' && e.path.startsWith('/tmp/creach-fh/')) want.set(e.path, (want.get(e.path) ?? 0) + 1);
      expect(want.size).toBe(100);
      const run = await runUnderSensor(cleanup, image, cmd, { engine });
      expect(run.exitCode, run.stderr).toBe(0);
      const report = parseReport(run.reportText ?? '', `file-heavy (${engine})`);
      const got = new Map(report.files.filter((f) => f.path.startsWith('/tmp/creach-fh/')).map((f) => [f.path, f.counts?.read ?? 0]));
      if (engine === 'fanotify') {
        // fanotify notifications are asynchronous and the kernel merges an event into an identical
        // one (same file, same process) still queued, so its counts can only be lower bounds (as the
        // README says): every file must be there, with no more reads than strace saw.
        const wrong = [...want].filter(([p, n]) => !((got.get(p) ?? 0) >= 1 && (got.get(p) ?? 0) <= n)).map(([p, n]) => `${p}: ${got.get(p) ?? 0} reads, strace ${n}`);
        expect(wrong).toEqual([]);
      } else {
        expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
      }
      expect(report.complete).toBe(true);
    });

    it(`${engineLabel(engine)}: 150 short processes are each in processes with their argv, and the exec count is 150`, async () => {
      const cmd = ['/w/exec-heavy', '150', '/w/probe'];
      const run = await runUnderSensor(cleanup, image, cmd, { engine });
      expect(run.exitCode, run.stderr).toBe(0);
      const report = parseReport(run.reportText ?? '', `exec-heavy (${engine})`);
      const probes = report.processes.filter((p) => JSON.stringify(p.argv) === JSON.stringify(['/w/probe', '--open', '/etc/hostname']));
      expect({ probes: probes.length, distinctPids: new Set(probes.map((p) => p.pid)).size, dropped: report.dropped }).toMatchObject({ probes: 150, distinctPids: 150 });
      expect(report.files.find((f) => f.path === '/w/probe')?.counts?.exec).toBe(150);
      expect(report.complete).toBe(true);
    });
  }
});

describe('many distinct paths', () => {
  it('30,000 distinct files: all in the report with read and write, or the drop is counted and the record incomplete', async () => {
    const cmd = ['/w/many-paths', '30000'];
    const run = await runUnderSensor(cleanup, image, cmd, { engine: 'auto', timeoutMs: 300_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    const report = parseReport(run.reportText ?? '', 'many paths');
    const many = report.files.filter((f) => f.path.startsWith('/tmp/creach-many/'));
    const full = many.filter((f) => f.ops.includes('read') && f.ops.includes('write')).length;
    if (full < 30000) {
      expect({ complete: report.complete, droppedPaths: (report.dropped.paths ?? 0) > 0 }, `${full} of 30000 files fully reported`).toEqual({ complete: false, droppedPaths: true });
    } else {
      expect(report.complete).toBe(true);
    }
    expect(checkReportBasics(report, cmd, run.exitCode)).toEqual([]);
  });
});

describe('engine choice', () => {
  it('--engine auto picks seccomp user notification on this kernel under the default profile, and says so', async () => {
    const cmd = ['/w/probe', '--open', '/etc/hostname'];
    const run = await runUnderSensor(cleanup, image, cmd, { engine: 'auto' });
    expect(run.exitCode, run.stderr).toBe(0);
    const report = parseReport(run.reportText ?? '', 'auto');
    expect(report.tracing.mode).toBe('seccomp-unotify');
    expect(report.complete).toBe(true);
    expect(report.sensor.arch).toBe('x86_64');
    expect(report.files.some((f) => f.path === '/etc/hostname' && f.ops.includes('read'))).toBe(true);
  });

  for (const [nnp, flag] of [['on', '1'], ['off', '0']] as const) {
    it(`--no-new-privs ${nnp}: the app sees NoNewPrivs ${flag}, the report says so, and files are still recorded completely`, async () => {
      const cmd = ['/bin/grep', 'NoNewPrivs', '/proc/self/status'];
      const run = await runUnderSensor(cleanup, image, cmd, { engine: 'auto', sensorArgs: ['--no-new-privs', nnp] });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^NoNewPrivs:\\s+${flag}$`, 'm'));
      const report = parseReport(run.reportText ?? '', `no-new-privs ${nnp}`);
      expect(report.tracing.noNewPrivs).toBe(nnp === 'on');
      // without no_new_privs and without CAP_SYS_ADMIN a seccomp filter cannot be installed by the
      // app, so the sensor must choose another way and say why
      if (nnp === 'off') expect(report.tracing.fallbackReasons?.length ?? 0).toBeGreaterThan(0);
      expect(report.complete).toBe(true);
      expect(report.files.some((f) => f.path === '/bin/grep' || f.path === '/usr/bin/grep')).toBe(true);
      expect(report.files.some((f) => f.path === '/etc/ld.so.cache' && f.ops.includes('read'))).toBe(true);
    });
  }

  it('--engine proc samples what it can (exe of the app) and never claims a complete record', async () => {
    const cmd = ['/w/threads'];
    const run = await runUnderSensor(cleanup, image, cmd, { engine: 'proc' });
    expect(run.exitCode, run.stderr).toBe(0);
    const report = parseReport(run.reportText ?? '', 'proc');
    expect(report.tracing.mode).toBe('proc-sampling');
    expect(report.complete).toBe(false);
    expect(report.incompleteReasons?.length ?? 0).toBeGreaterThan(0);
    expect(checkReportBasics(report, cmd, run.exitCode)).toEqual([]);
  });
});
