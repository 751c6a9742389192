// Credentials the way the docker CLI stores them: `config.json` under $DOCKER_CONFIG or
// ~/.docker, with `credHelpers` (per registry), `auths` (base64 `auth`, `username`/`password`,
// `identitytoken`) and `credsStore` (one helper for everything). Helpers are the real
// `docker-credential-<name>` programs, asked with `get` and the server name on stdin.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CreachError, errnoCode } from '../../errors.js';

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (docker's `identitytoken`), exchanged at the token realm. */
  identityToken?: string;
  /** A bearer token to send as is (docker's `registrytoken`). */
  registryToken?: string;
  /** Where the credentials came from, for messages (never the secret). */
  source: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export function defaultAuthConfigPath(): string {
  const dir = process.env.DOCKER_CONFIG || join(homedir(), '.docker');
  return join(dir, 'config.json');
}

async function loadConfig(path: string): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return {};
    throw new CreachError('REGISTRY_AUTH', `cannot read registry credentials file ${path}`, { cause: e, hint: 'check the file permissions' });
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as DockerConfig) : {};
  } catch (e) {
    throw new CreachError('REGISTRY_AUTH', `registry credentials file ${path} is not valid JSON`, { cause: e, hint: 'fix or remove the file (docker login rewrites it)' });
  }
}

/** `https://host:5000/v1/` → `host:5000`: auths keys are written in several forms. */
export function normaliseServerKey(key: string): string {
  return key
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
}

function fromEntry(e: AuthEntry, source: string): Credentials | undefined {
  const c: Credentials = { source };
  if (e.auth) {
    const plain = Buffer.from(e.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) {
      c.username = plain.slice(0, i);
      c.password = plain.slice(i + 1);
    }
  }
  if (e.username) c.username = e.username;
  if (e.password) c.password = e.password;
  if (e.identitytoken) c.identityToken = e.identitytoken;
  if (e.registrytoken) c.registryToken = e.registrytoken;
  return c.username || c.identityToken || c.registryToken ? c : undefined;
}

/** Run `docker-credential-<helper> get` for `server`. Undefined when the helper has none. */
export async function runCredentialHelper(helper: string, server: string, signal?: AbortSignal): Promise<Credentials | undefined> {
  if (!/^[A-Za-z0-9._-]+$/.test(helper)) {
    throw new CreachError('REGISTRY_AUTH', `credential helper name ${JSON.stringify(helper)} is not valid`, { hint: 'fix credHelpers/credsStore in your docker config.json' });
  }
  const program = `docker-credential-${helper}`;
  const { code, stdout, stderr, spawnError } = await new Promise<{ code: number | null; stdout: string; stderr: string; spawnError?: unknown }>((resolve) => {
    const child = spawn(program, ['get'], { stdio: ['pipe', 'pipe', 'pipe'], signal });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', (e) => resolve({ code: null, stdout: out, stderr: err, spawnError: e }));
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    child.stdin.on('error', () => {});
    child.stdin.end(server);
  });
  if (spawnError) {
    throw new CreachError('REGISTRY_AUTH', `credential helper ${program} for ${server} could not be run`, {
      cause: spawnError,
      hint: `install ${program} on PATH, or remove it from credHelpers/credsStore in your docker config.json`,
    });
  }
  // The helper protocol says "credentials not found" on stdout or stderr with a non-zero exit.
  if (code !== 0) {
    if (/credentials not found/i.test(stdout + stderr)) return undefined;
    throw new CreachError('REGISTRY_AUTH', `credential helper ${program} failed for ${server} (exit ${code})`, {
      hint: `run "echo ${server} | ${program} get" to see why`,
    });
  }
  let parsed: { Username?: string; Secret?: string };
  try {
    parsed = JSON.parse(stdout) as { Username?: string; Secret?: string };
  } catch (e) {
    throw new CreachError('REGISTRY_AUTH', `credential helper ${program} printed something that is not JSON for ${server}`, { cause: e });
  }
  const source = `credential helper ${program}`;
  if (!parsed.Secret) return undefined;
  // docker's convention: username "<token>" means the secret is an identity (refresh) token.
  if (parsed.Username === '<token>') return { identityToken: parsed.Secret, source };
  return { username: parsed.Username ?? '', password: parsed.Secret, source };
}

/**
 * Credentials for `registry` (`host[:port]`), or undefined for anonymous access.
 * Order: credHelpers[registry], then an auths entry with credentials, then credsStore.
 */
export async function resolveCredentials(registry: string, authConfigPath?: string, signal?: AbortSignal): Promise<Credentials | undefined> {
  const path = authConfigPath ?? defaultAuthConfigPath();
  const cfg = await loadConfig(path);
  const want = registry.toLowerCase();
  const helper = cfg.credHelpers?.[registry] ?? Object.entries(cfg.credHelpers ?? {}).find(([k]) => normaliseServerKey(k) === want)?.[1];
  if (helper) return runCredentialHelper(helper, registry, signal);
  for (const [key, entry] of Object.entries(cfg.auths ?? {})) {
    if (normaliseServerKey(key) !== want) continue;
    const c = fromEntry(entry ?? {}, `${path} auths["${key}"]`);
    if (c) return c;
  }
  if (cfg.credsStore) return runCredentialHelper(cfg.credsStore, registry, signal);
  return undefined;
}
