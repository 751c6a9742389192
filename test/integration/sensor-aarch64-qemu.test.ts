// The aarch64 sensor under qemu-aarch64-static on the x86_64 host (user-mode emulation, no
// binfmt_misc here). qemu-user implements neither seccomp filters nor ptrace for the guest, so
// only the non-tracing parts can run: argument handling, --help/--version, the report/status
// subcommands, and run mode with /proc sampling. The app it starts is an x86_64 static program:
// qemu-user passes execve to the host kernel, which runs it natively.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkloads, run, sensorBinary } from '../support/sensor-images.js';
import { parseReport } from '../support/sensor-report.js';

const QEMU = '/usr/bin/qemu-aarch64-static';
let sensor: string;
let build: string;
let artifacts: string;

beforeAll(async () => {
  sensor = sensorBinary('aarch64');
  build = await buildWorkloads();
  artifacts = mkdtempSync(path.join(tmpdir(), 'creach-test-aarch64-'));
  const r = await run(QEMU, ['--version']);
  if (r.code !== 0) throw new Error(`${QEMU} does not run (apt-get install qemu-user-static): ${r.stderr}`);
});
afterAll(() => {
  rmSync(artifacts, { recursive: true, force: true });
});

function qemu(args: string[]) {
  return run(QEMU, [sensor, ...args], { timeoutMs: 120_000 });
}

async function runApp(engine: string, app: string[], dir: string) {
  const r = await qemu(['run', '--artifacts-dir', dir, '--engine', engine, '--', ...app]);
  const text = readFileSync(path.join(dir, 'creport.json'), 'utf8');
  return { ...r, text, report: parseReport(text, `aarch64 ${engine} ${app.join(' ')}`) };
}

describe('aarch64 sensor under qemu-aarch64-static (host, user-mode emulation)', () => {
  it('is a static aarch64 ELF executable (no interpreter)', () => {
    const elf = readFileSync(sensor);
    expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(elf[4], 'ELFCLASS64').toBe(2);
    expect(elf.readUInt16LE(18), 'e_machine EM_AARCH64').toBe(183);
    const phoff = Number(elf.readBigUInt64LE(32));
    const phentsize = elf.readUInt16LE(54);
    const phnum = elf.readUInt16LE(56);
    const types = Array.from({ length: phnum }, (_, i) => elf.readUInt32LE(phoff + i * phentsize));
    expect(types, 'no PT_INTERP program header').not.toContain(3);
  });

  it('--help lists the run, stop, report and status commands; --version matches the x86_64 build', async () => {
    const help = await qemu(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['run', 'stop', 'report', 'status']) expect(help.stdout + help.stderr).toContain(`creach-sensor ${cmd}`);
    const v = await qemu(['--version']);
    const native = await run(sensorBinary('x86_64'), ['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).not.toBe('');
    expect(v.stdout.trim()).toBe(native.stdout.trim());
  });

  it('run --engine proc passes the exit status through (0, 3, 255, 128+15) and writes a valid aarch64 report naming the app', async () => {
    const cases: [string[], number][] = [
      [[path.join(build, 'probe'), '--open', '/etc/hostname'], 0],
      [[path.join(build, 'probe'), '--exit', '3'], 3],
      [[path.join(build, 'pid1-app'), 'exit', '255'], 255],
      [[path.join(build, 'pid1-app'), 'die', '15'], 143],
    ];
    for (const [app, status] of cases) {
      const dir = mkdtempSync(path.join(artifacts, 'run-'));
      const r = await runApp('proc', app, dir);
      expect({ app: app.join(' '), code: r.code }).toEqual({ app: app.join(' '), code: status });
      expect(r.report.sensor.arch).toBe('aarch64');
      expect(r.report.tracing.mode).toBe('proc-sampling');
      expect(r.report.complete).toBe(false);
      expect(r.report.final).toBe(true);
      expect(r.report.app).toMatchObject({ argv: app, exitStatus: status });
      expect(r.report.processes.some((p) => JSON.stringify(p.argv) === JSON.stringify(app)), 'the app in processes with its argv').toBe(true);
    }
  });

  it('run --engine auto falls back from seccomp and ptrace (not emulated by qemu-user) to /proc sampling, says why, and still runs the app', async () => {
    const dir = mkdtempSync(path.join(artifacts, 'auto-'));
    const app = [path.join(build, 'probe'), '--exit', '4'];
    const r = await runApp('auto', app, dir);
    expect(r.code).toBe(4);
    expect(r.report.tracing.mode).toBe('proc-sampling');
    const reasons = (r.report.tracing.fallbackReasons ?? []).join('\n');
    expect(reasons).toMatch(/seccomp/i);
    expect(reasons).toMatch(/ptrace/i);
    expect(r.report.complete).toBe(false);
  });

  it('report prints the report of the artifacts dir, and status says the app exited', async () => {
    const dir = mkdtempSync(path.join(artifacts, 'sub-'));
    const app = [path.join(build, 'probe'), '--exit', '0'];
    const r = await runApp('proc', app, dir);
    const rep = await qemu(['report', '--artifacts-dir', dir]);
    expect(rep.code, rep.stderr).toBe(0);
    expect(parseReport(rep.stdout, 'aarch64 report subcommand')).toEqual(JSON.parse(r.text));
    const st = await qemu(['status', '--artifacts-dir', dir]);
    expect(st.code, st.stderr).toBe(0);
    expect((JSON.parse(st.stdout) as { state: string }).state).toBe('exited');
  });
});
