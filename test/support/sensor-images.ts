// Docker plumbing for the sensor tests and benchmark: the Debian test image (strace, python3,
// nginx), images with the sensor and the workloads layered in the way `instrument` lays them out
// (/opt/_instrumented/creach-sensor, artifacts dir 0777), an image with no shell, and containers
// that are always removed. Every name starts with creach-test- so leftovers are easy to find.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const workloadsBuildDir = path.join(repoRoot, 'sensor/tests/build');
export const SENSOR_IN_IMAGE = '/opt/_instrumented/creach-sensor';
export const ARTIFACTS_DIR = '/opt/_instrumented/artifacts';
export const REPORT_IN_IMAGE = `${ARTIFACTS_DIR}/creport.json`;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never throws for a non-zero exit (callers decide). */
export function run(cmd: string, args: string[], opts: { input?: string | Buffer; timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${cmd} ${args.join(' ')}: no exit within ${opts.timeoutMs} ms`));
        }, opts.timeoutMs)
      : undefined;
    child.on('error', reject);
    // A program that exits without reading its stdin must not crash the test with EPIPE.
    child.stdin.on('error', () => {});
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal ? 9 : 0), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export async function docker(args: string[], opts: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<RunResult> {
  return run('docker', args, { timeoutMs: opts.timeoutMs ?? 300_000, ...opts });
}

/** Like docker() but a failure throws with the command and its stderr. */
export async function dockerOk(args: string[], opts: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<string> {
  const r = await docker(args, opts);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

export async function requireEngine(): Promise<void> {
  const r = await docker(['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`no Docker engine answers (${r.stderr.trim()}); start one with: bash scripts/env/docker-engine.sh`);
}

export function uniqueName(what: string): string {
  return `creach-test-${what}-${randomBytes(4).toString('hex')}`;
}

/** Polls until fn returns a value (not undefined) or the deadline passes; the failure names `what`. */
export async function pollUntil<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The Debian image with strace, python3, procps and nginx-light, built once per recipe hash. */
export async function sensorDebianImage(): Promise<string> {
  await requireEngine();
  const script = path.join(repoRoot, 'test/support/sensor-image-build.sh');
  const hash = createHash('sha256').update(readFileSync(script)).digest('hex').slice(0, 12);
  const tag = `creach-test-sensor-debian:${hash}`;
  if ((await docker(['image', 'inspect', tag])).code === 0) return tag;
  const r = await run('flock', ['/tmp/creach-sensor-image.lock', 'sh', '-c', `docker image inspect ${tag} >/dev/null 2>&1 || bash ${script} ${tag}`], { timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`building ${tag} failed: ${r.stderr.trim()}`);
  return tag;
}

/** Builds the static workloads into sensor/tests/build (make is incremental). */
export async function buildWorkloads(): Promise<string> {
  const r = await run('make', ['-s', '-C', path.join(repoRoot, 'sensor/tests')], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`make -C sensor/tests failed: ${r.stderr.trim()}`);
  return workloadsBuildDir;
}

export type SensorArch = 'x86_64' | 'aarch64';

/** The sensor binary built by `make -C sensor`; missing is a failure with the command to run. */
export function sensorBinary(arch: SensorArch = 'x86_64'): string {
  const p = path.join(repoRoot, `sensor/dist/creach-sensor-${arch}`);
  if (!existsSync(p)) throw new Error(`sensor binary ${p} is missing; build it with: make -C sensor`);
  return p;
}

function hashTree(h: ReturnType<typeof createHash>, p: string): void {
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const e of readdirSync(p).sort()) {
      h.update(`${e}\0`);
      hashTree(h, path.join(p, e));
    }
  } else {
    h.update(`${st.mode}\0`);
    h.update(readFileSync(p));
  }
}

/** A host directory laid out like the image root: /w (workloads), the sensor and its artifacts dir. */
function stageRoot(opts: { sensor: string; workloads?: string; extra?: Record<string, string> }): string {
  const root = mkdtempSync(path.join(tmpdir(), 'creach-test-stage-'));
  const inst = path.join(root, 'opt/_instrumented');
  mkdirSync(path.join(inst, 'artifacts'), { recursive: true });
  chmodSync(path.join(inst, 'artifacts'), 0o777);
  copyFileSync(opts.sensor, path.join(inst, 'creach-sensor'));
  chmodSync(path.join(inst, 'creach-sensor'), 0o755);
  if (opts.workloads) {
    mkdirSync(path.join(root, 'w'));
    for (const f of readdirSync(opts.workloads)) {
      copyFileSync(path.join(opts.workloads, f), path.join(root, 'w', f));
      chmodSync(path.join(root, 'w', f), statSync(path.join(opts.workloads, f)).mode & 0o777);
    }
  }
  for (const [dest, src] of Object.entries(opts.extra ?? {})) {
    mkdirSync(path.dirname(path.join(root, dest)), { recursive: true });
    copyFileSync(src, path.join(root, dest));
    chmodSync(path.join(root, dest), statSync(src).mode & 0o777);
  }
  return root;
}

/**
 * `base` plus the sensor at /opt/_instrumented/creach-sensor, an artifacts dir (0777) and the
 * workloads at /w, committed from a created (never started) container, so it works for any base,
 * with or without a shell. The tag carries a hash of its inputs plus a per-call suffix: test files
 * and the benchmark may run at the same time with the same sensor, and each removes its own image
 * when done, so they must never share one. Register it with a Cleanup.
 */
export async function sensorRunImage(base: string, opts: { arch?: SensorArch; workloads?: boolean } = {}): Promise<string> {
  const sensor = sensorBinary(opts.arch);
  const workloads = opts.workloads === false ? undefined : await buildWorkloads();
  const h = createHash('sha256').update(`${base}\0`);
  hashTree(h, sensor);
  if (workloads) hashTree(h, workloads);
  const tag = `creach-test-sensor-run:${h.digest('hex').slice(0, 12)}-${randomBytes(3).toString('hex')}`;
  const root = stageRoot({ sensor, workloads });
  const c = uniqueName('stage');
  try {
    await dockerOk(['create', '--name', c, base]);
    await dockerOk(['cp', `${root}/.`, `${c}:/`]);
    await dockerOk(['commit', c, tag]);
  } finally {
    await docker(['rm', '-f', c]);
    rmSync(root, { recursive: true, force: true });
  }
  return tag;
}

/**
 * An image with no shell and no libc: only /app (a static program), the sensor and its artifacts
 * dir, /tmp and a minimal /etc. Entrypoint is the sensor in run mode, as instrument writes it.
 * Register it with a Cleanup.
 */
export async function noShellImage(app: string, entrypoint: string[], cmd: string[]): Promise<string> {
  const sensor = sensorBinary('x86_64');
  const h = createHash('sha256');
  hashTree(h, sensor);
  hashTree(h, app);
  h.update(JSON.stringify([entrypoint, cmd]));
  // per-call suffix for the same reason as sensorRunImage
  const tag = `creach-test-sensor-noshell:${h.digest('hex').slice(0, 12)}-${randomBytes(3).toString('hex')}`;
  const root = stageRoot({ sensor, extra: { app } });
  try {
    for (const d of ['tmp', 'etc', 'proc', 'sys', 'dev']) mkdirSync(path.join(root, d), { recursive: true });
    chmodSync(path.join(root, 'tmp'), 0o1777);
    // Through a file: run() decodes stdout as text, which would corrupt a piped tar.
    const tarFile = `${root}.tar`;
    const t = await run('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', tarFile, '.']);
    if (t.code !== 0) throw new Error(`tar failed: ${t.stderr}`);
    await dockerOk(['import', '-c', `ENTRYPOINT ${JSON.stringify(entrypoint)}`, '-c', `CMD ${JSON.stringify(cmd)}`, tarFile, tag]);
    rmSync(tarFile, { force: true });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return tag;
}

/** Tracks containers and images a test file created, and removes them. */
export class Cleanup {
  private containers = new Set<string>();
  private images = new Set<string>();
  container(name: string): string {
    this.containers.add(name);
    return name;
  }
  image(tag: string): string {
    this.images.add(tag);
    return tag;
  }
  async run(): Promise<void> {
    if (this.containers.size) await docker(['rm', '-f', '-v', ...this.containers]);
    if (this.images.size) await docker(['rmi', '-f', ...this.images]);
    this.containers.clear();
    this.images.clear();
  }
}

export interface ContainerState {
  running: boolean;
  exitCode: number;
}

export async function containerState(name: string): Promise<ContainerState> {
  const out = await dockerOk(['inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', name]);
  const [running, code] = out.trim().split(' ');
  return { running: running === 'true', exitCode: Number(code) };
}

/** Waits (polling, with a deadline) until the container has exited; returns its exit code. */
export async function waitExited(name: string, timeoutMs = 120_000): Promise<number> {
  return pollUntil(`container ${name} to exit`, async () => {
    const s = await containerState(name);
    return s.running ? undefined : s.exitCode;
  }, timeoutMs, 100);
}

export async function logs(name: string): Promise<RunResult> {
  return docker(['logs', name]);
}

/** Reads one file out of a container (running or stopped) with docker cp. */
export async function copyOut(name: string, file: string): Promise<string | undefined> {
  const dir = mkdtempSync(path.join(tmpdir(), 'creach-test-cp-'));
  try {
    const r = await docker(['cp', `${name}:${file}`, dir]);
    if (r.code !== 0) return undefined;
    return readFileSync(path.join(dir, path.basename(file)), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

