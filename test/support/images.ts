// Test images and container hygiene for integration tests. Images are built from Debian packages
// by test/images/<name>/build.sh (debootstrap once, cached) and tagged
// creach-test/<name>:<hash of the recipe>; build.sh is the single source of truth for the tag,
// so this module only asks it. Containers and images a test creates get unique
// `creach-test-…` names and are removed by the cleanup helpers.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * - base:   bookworm minbase; Cmd ["bash"]
 * - nginx:  + nginx, static page "creach test page" on port 80; Cmd ["nginx","-g","daemon off;"]
 * - python: + python3-minimal; Entrypoint ["python3"], Cmd ["-c","print('creach-test python')"]
 * - big:    + nginx python3-minimal gcc-12 libllvm15 (≈500 MB); Cmd like nginx
 */
export type TestImageName = 'base' | 'nginx' | 'python' | 'big';
export const TEST_IMAGE_NAMES: readonly TestImageName[] = ['base', 'nginx', 'python', 'big'];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command to completion; never throws for a non-zero exit (the caller asserts). */
export function run(cmd: string, args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? REPO_ROOT, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolvePromise({ code: code ?? 128 + (signal ? 15 : 0), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
    child.stdin.end(opts.input);
  });
}

/** `docker …` with the environment's DOCKER_HOST. */
export function docker(args: string[], opts: { input?: string | Buffer } = {}): Promise<RunResult> {
  return run('docker', args, opts);
}

/** Throws a readable error when no engine answers, naming the script that starts one. */
export async function ensureEngine(): Promise<void> {
  const r = await docker(['version', '--format', '{{.Server.APIVersion}}']).catch((e: unknown) => ({ code: 1, stdout: '', stderr: String(e) }));
  if (r.code !== 0) {
    throw new Error(
      `no Docker engine answers (DOCKER_HOST=${process.env.DOCKER_HOST ?? 'unset'}): ${r.stderr.trim().split('\n').pop() ?? ''}\n` +
        'start one with: bash scripts/env/docker-engine.sh (npm test does this)',
    );
  }
}

const building = new Map<TestImageName, Promise<string>>();

/** The tag of a test image, building it first if the engine does not have it. */
export function ensureTestImage(name: TestImageName): Promise<string> {
  let p = building.get(name);
  if (!p) {
    p = buildTestImage(name);
    building.set(name, p);
    p.catch(() => building.delete(name));
  }
  return p;
}

async function buildTestImage(name: TestImageName): Promise<string> {
  await ensureEngine();
  const r = await run('bash', [join(REPO_ROOT, 'test/images', name, 'build.sh')]);
  const tag = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !tag.startsWith(`creach-test/${name}:`)) {
    throw new Error(`building test image ${name} failed (exit ${r.code}):\n${r.stderr.trim().split('\n').slice(-20).join('\n')}`);
  }
  return tag;
}

/** The tag build.sh would produce, without building (for messages and cache checks). */
export async function testImageTag(name: TestImageName): Promise<string> {
  const r = await run('bash', [join(REPO_ROOT, 'test/images', name, 'build.sh'), '--tag']);
  if (r.code !== 0) throw new Error(`test/images/${name}/build.sh --tag failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** A name no other test (or engineer) uses: creach-test-<prefix>-<random>. Valid for containers, image repos and k8s. */
export function uniqueName(prefix = 'x'): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
  return `creach-test-${clean}-${randomBytes(4).toString('hex')}`;
}

/** Remove containers (running or not) by name or id; missing ones are fine. */
export async function removeContainers(...names: string[]): Promise<void> {
  if (names.length === 0) return;
  await docker(['rm', '-f', '-v', ...names]);
}

/** Remove images by reference; missing ones are fine. */
export async function removeImages(...refs: string[]): Promise<void> {
  if (refs.length === 0) return;
  await docker(['rmi', '-f', ...refs]);
}

/**
 * Collects what a test creates and removes it afterwards:
 *   const trash = cleanup(); afterEach(() => trash.run());
 *   const name = trash.container(uniqueName('collect'));
 */
export function cleanup(): { container(name: string): string; image(ref: string): string; path(p: string): string; run(): Promise<void> } {
  const containers = new Set<string>();
  const images = new Set<string>();
  const paths = new Set<string>();
  return {
    container(name) {
      containers.add(name);
      return name;
    },
    image(ref) {
      images.add(ref);
      return ref;
    },
    path(p) {
      paths.add(p);
      return p;
    },
    async run() {
      await removeContainers(...containers);
      await removeImages(...images);
      const { rm } = await import('node:fs/promises');
      for (const p of paths) await rm(p, { recursive: true, force: true });
      containers.clear();
      images.clear();
      paths.clear();
    },
  };
}

/** A TCP port that was free a moment ago on 127.0.0.1 (containers here use --network host). */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolvePromise(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * `docker run` arguments that make the nginx (or big) test image listen on `port` instead of 80,
 * so parallel tests on the host network do not collide: a bind-mounted site config.
 */
export async function nginxSiteArgs(port: number): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'creach-test-nginx-'));
  const conf = join(dir, 'default');
  await writeFile(conf, `server {\n\tlisten ${port} default_server;\n\troot /var/www/html;\n\tindex index.html;\n\tlocation / { try_files $uri $uri/ =404; }\n}\n`);
  return ['-v', `${conf}:/etc/nginx/sites-enabled/default:ro`];
}

/** Poll `check` until it returns a value (not undefined) or the deadline passes; never sleeps blindly. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** GET http://127.0.0.1:port/path, retrying until the server answers. */
export async function httpGetWhenUp(port: number, path = '/', timeoutMs = 30_000): Promise<string> {
  return waitFor(`http://127.0.0.1:${port}${path}`, async () => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return res.ok ? await res.text() : undefined;
  }, timeoutMs);
}

/** Exec a command without a shell, used by global setup for the env scripts. */
export function execScript(script: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    execFile('bash', [join(REPO_ROOT, script)], { cwd: REPO_ROOT }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${script} failed: ${stderr.trim() || err.message}`));
      else resolvePromise();
    });
  });
}
