// Real registries for tests: Debian's docker-registry (distribution v2) started from the test
// with its own temp config and a free loopback port, optionally with htpasswd basic auth or
// token auth (pointing at a real token issuer, see token-server.ts). stop() ends the process
// this helper started and removes its storage.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OPEN_REGISTRY = '127.0.0.1:5000';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Fails (never skips) when the shared open registry is not up. */
export async function requireOpenRegistry(): Promise<string> {
  try {
    const res = await fetch(`http://${OPEN_REGISTRY}/v2/`);
    if (res.status === 200) return OPEN_REGISTRY;
    throw new Error(`status ${res.status}`);
  } catch (e) {
    throw new Error(`the test registry on ${OPEN_REGISTRY} is not running (${(e as Error).message}); start it with: bash scripts/env/registry.sh`);
  }
}

export type RegistryAuth =
  | { kind: 'none' }
  | { kind: 'htpasswd'; users: Record<string, string> }
  | { kind: 'token'; realm: string; service: string; issuer: string; rootCertBundle: string };

export interface TestRegistry {
  host: string;
  dir: string;
  stop(): Promise<void>;
}

function bcryptHtpasswd(users: Record<string, string>): string {
  // htpasswd from apache2-utils writes bcrypt ($2y$), which distribution requires.
  return Object.entries(users)
    .map(([u, p]) => execFileSync('htpasswd', ['-nbB', u, p], { encoding: 'utf8' }).trim())
    .join('\n') + '\n';
}

export interface StartRegistryOptions {
  /** distribution's `redirect` storage middleware: blob GETs answer 307 to this base URL + storage path. */
  redirectBlobsTo?: string;
  /** Serve HTTPS with this certificate and key (PEM files). */
  tls?: { certificate: string; key: string };
}

/** GET /v2/ status, over HTTPS without certificate checks when `tls` (a test's own self-signed registry). */
function probe(host: string, tls: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = (tls ? httpsGet : httpGet)(`${tls ? 'https' : 'http'}://${host}/v2/`, tls ? { rejectUnauthorized: false } : {}, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

export async function startRegistry(auth: RegistryAuth = { kind: 'none' }, opts: StartRegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'creach-test-registry-'));
  const port = await freePort();
  let authYaml = '';
  if (auth.kind === 'htpasswd') {
    await writeFile(join(dir, 'htpasswd'), bcryptHtpasswd(auth.users));
    authYaml = `auth:\n  htpasswd:\n    realm: creach-test\n    path: ${join(dir, 'htpasswd')}\n`;
  } else if (auth.kind === 'token') {
    authYaml = `auth:\n  token:\n    realm: ${auth.realm}\n    service: ${auth.service}\n    issuer: ${auth.issuer}\n    rootcertbundle: ${auth.rootCertBundle}\n`;
  }
  const middleware = opts.redirectBlobsTo ? `middleware:\n  storage:\n    - name: redirect\n      options:\n        baseurl: ${opts.redirectBlobsTo}\n` : '';
  const config = `version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: ${join(dir, 'data')} }
  delete: { enabled: true }
http:
  addr: 127.0.0.1:${port}
  secret: creach-test-${port}
${opts.tls ? `  tls:\n    certificate: ${opts.tls.certificate}\n    key: ${opts.tls.key}\n` : ''}${authYaml}${middleware}`;
  await writeFile(join(dir, 'config.yml'), config);
  let output = '';
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  child.on('exit', () => (exited = true));
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`docker-registry exited at start:\n${output.slice(-2000)}`);
    try {
      const status = await probe(host, opts.tls !== undefined);
      if (status === 200 || status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not come up on ${host}:\n${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    dir,
    async stop() {
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
        if (!exited) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
