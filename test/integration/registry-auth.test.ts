// Authentication against real registries started by the test: Debian's docker-registry with
// htpasswd (bcrypt) basic auth, and with token auth backed by a real JWT issuer
// (test/support/token-server.ts). Credentials come from a docker config.json written per test:
// auths (base64 auth, username/password, identitytoken), credHelpers and credsStore running a
// real `docker-credential-creachtest` program on PATH. Secrets must never reach logs or errors.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreachError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import { read } from '../../src/image/registry/read.js';
import { write } from '../../src/image/registry/write.js';
import { memoryImage } from '../support/memory-image.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';
import { assertValid } from '../support/validate.js';

const USER = 'creach';
const PASSWORD = 'S3cret-Passw0rd-creach';
const REFRESH = 'refresh-token-creach-0123456789';

let dir = '';
let basic: TestRegistry;
let tokenReg: TestRegistry;
let tokens: TokenServer;
let oldPath: string | undefined;

function recorder(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (s: string) => lines.push(s);
  return { log: { debug: push, info: push, warn: push }, lines };
}

async function dockerConfig(name: string, cfg: unknown): Promise<string> {
  const p = join(dir, `${name}.json`);
  await writeFile(p, JSON.stringify(cfg));
  return p;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Every string a user could see: messages, hints and causes, flattened. */
function visible(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    if (cur instanceof Error) parts.push(cur.message, String((cur as CreachError).hint ?? ''), JSON.stringify((cur as { diagnostics?: unknown }).diagnostics ?? ''));
    cur = (cur as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

function assertNoSecrets(text: string): void {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(b64(`${USER}:${PASSWORD}`));
  expect(text).not.toContain(REFRESH);
  expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./); // a JWT
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'creach-test-auth-'));
  basic = await startRegistry({ kind: 'htpasswd', users: { [USER]: PASSWORD } });
  tokens = await startTokenServer({ dir, users: { [USER]: PASSWORD, reader: PASSWORD }, refreshTokens: { [REFRESH]: USER }, readOnly: ['reader'] });
  tokenReg = await startRegistry({ kind: 'token', realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.rootCertBundle });

  // A real credential helper program, speaking the docker-credential protocol.
  const bin = join(dir, 'bin');
  await mkdir(bin);
  const helper = join(bin, 'docker-credential-creachtest');
  await writeFile(
    helper,
    `#!/bin/sh
# docker-credential-creachtest: answers "get" for the registries the test names.
[ "$1" = get ] || exit 1
read server
echo "$server" >> "${join(dir, 'helper-calls.log')}"
case "$server" in
  ${basic.host}|${tokenReg.host}) printf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}\\n' "$server" ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`,
  );
  await chmod(helper, 0o755);
  oldPath = process.env.PATH;
  process.env.PATH = `${bin}:${process.env.PATH}`;
});

afterAll(async () => {
  if (oldPath !== undefined) process.env.PATH = oldPath;
  await basic?.stop();
  await tokenReg?.stop();
  await tokens?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('htpasswd basic auth', () => {
  it('pushes and reads with base64 auth from config.json, without printing the secret', async () => {
    const authConfigPath = await dockerConfig('basic-b64', { auths: { [basic.host]: { auth: b64(`${USER}:${PASSWORD}`) } } });
    const m = await memoryImage({ layers: [{ f: 'basic' }] });
    const { log, lines } = recorder();
    const ref = `${basic.host}/team/app:v1`;
    const res = await write(ref, { kind: 'image', image: m.image }, { authConfigPath, log });
    expect(res.digest).toBe(await m.image.digest());
    const back = await read(ref, { authConfigPath, log });
    await assertValid(back);
    assertNoSecrets(lines.join('\n'));
  });

  it('accepts username/password entries keyed by URL', async () => {
    const authConfigPath = await dockerConfig('basic-userpass', { auths: { [`http://${basic.host}/v1/`]: { username: USER, password: PASSWORD } } });
    const m = await memoryImage({ layers: [{ f: 'userpass' }] });
    await write(`${basic.host}/team/userpass:v1`, { kind: 'image', image: m.image }, { authConfigPath });
    const back = await read(`${basic.host}/team/userpass:v1`, { authConfigPath });
    expect(back.kind === 'image' && (await back.image.digest())).toBe(await m.image.digest());
  });

  it('a wrong password is REGISTRY_AUTH naming the registry and repository, with a docker login hint', async () => {
    const authConfigPath = await dockerConfig('basic-wrong', { auths: { [basic.host]: { auth: b64(`${USER}:not-${PASSWORD}`) } } });
    const err = await read(`${basic.host}/team/app:v1`, { authConfigPath }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CreachError);
    expect((err as CreachError).code).toBe('REGISTRY_AUTH');
    expect((err as CreachError).message).toContain(`registry ${basic.host} refused the credentials for repository team/app`);
    expect((err as CreachError).hint).toContain(`docker login ${basic.host}`);
    assertNoSecrets(visible(err));
    expect(visible(err)).not.toContain(`not-${PASSWORD}`);
  });

  it('no credentials at all is REGISTRY_AUTH too', async () => {
    const authConfigPath = await dockerConfig('empty', {});
    const m = await memoryImage({ layers: [{ f: 'anon' }] });
    await expect(write(`${basic.host}/team/anon:v1`, { kind: 'image', image: m.image }, { authConfigPath })).rejects.toMatchObject({
      code: 'REGISTRY_AUTH',
      message: expect.stringContaining('requires credentials'),
    });
  });

  it('asks a credHelpers program with the server on stdin', async () => {
    const authConfigPath = await dockerConfig('helper', { credHelpers: { [basic.host]: 'creachtest' } });
    const m = await memoryImage({ layers: [{ f: 'helper' }] });
    await write(`${basic.host}/team/helper:v1`, { kind: 'image', image: m.image }, { authConfigPath });
    const { readFile } = await import('node:fs/promises');
    expect((await readFile(join(dir, 'helper-calls.log'), 'utf8')).split('\n')).toContain(basic.host);
  });

  it('uses credsStore when auths has no credentials for the host', async () => {
    const authConfigPath = await dockerConfig('store', { auths: { [basic.host]: {} }, credsStore: 'creachtest' });
    const back = await read(`${basic.host}/team/helper:v1`, { authConfigPath });
    expect(back.kind).toBe('image');
  });

  it('a missing helper program is REGISTRY_AUTH naming the program', async () => {
    const authConfigPath = await dockerConfig('nohelper', { credHelpers: { [basic.host]: 'creach-no-such-helper' } });
    await expect(read(`${basic.host}/team/helper:v1`, { authConfigPath })).rejects.toMatchObject({
      code: 'REGISTRY_AUTH',
      message: expect.stringContaining('docker-credential-creach-no-such-helper'),
    });
  });
});

describe('bearer token auth (real JWT issuer)', () => {
  it('gets one token per scope set, pushes and reads back', async () => {
    const authConfigPath = await dockerConfig('token', { auths: { [tokenReg.host]: { auth: b64(`${USER}:${PASSWORD}`) } } });
    const m = await memoryImage({ layers: [{ f: 'token-a' }, { g: 'token-b' }] });
    const ref = `${tokenReg.host}/team/tok:v1`;
    const { log, lines } = recorder();
    tokens.requests.length = 0;
    await write(ref, { kind: 'image', image: m.image }, { authConfigPath, log });
    const pushTokens = tokens.requests.filter((r) => r.ok);
    // Cached per scope: the whole push (HEADs, uploads, manifest) needs one push token.
    expect(pushTokens).toHaveLength(1);
    expect(pushTokens[0].scopes).toEqual(['repository:team/tok:pull,push']);

    tokens.requests.length = 0;
    const back = await read(ref, { authConfigPath, log });
    await assertValid(back);
    expect(tokens.requests.filter((r) => r.ok).map((r) => r.scopes)).toEqual([['repository:team/tok:pull']]);
    assertNoSecrets(lines.join('\n'));
  });

  it('asks for pull on the source repository when mounting across repositories', async () => {
    const authConfigPath = await dockerConfig('token-mount', { auths: { [tokenReg.host]: { username: USER, password: PASSWORD } } });
    const m = await memoryImage({ layers: [{ f: 'mount-me' }] });
    await write(`${tokenReg.host}/team/mount-src:v1`, { kind: 'image', image: m.image }, { authConfigPath });
    const src = await read(`${tokenReg.host}/team/mount-src:v1`, { authConfigPath });
    tokens.requests.length = 0;
    const res = await write(`${tokenReg.host}/team/mount-dst:v1`, src, { authConfigPath });
    expect(res.stats.mounted).toBe(2);
    expect(res.stats.uploaded).toBe(0);
    expect(tokens.requests.some((r) => r.ok && r.scopes.includes('repository:team/mount-src:pull') && r.scopes.includes('repository:team/mount-dst:pull,push'))).toBe(true);
  });

  it('exchanges an identitytoken (OAuth2 refresh token) for access', async () => {
    const authConfigPath = await dockerConfig('identity', { auths: { [tokenReg.host]: { identitytoken: REFRESH } } });
    tokens.requests.length = 0;
    const back = await read(`${tokenReg.host}/team/tok:v1`, { authConfigPath });
    expect(back.kind).toBe('image');
    expect(tokens.requests.filter((r) => r.ok).map((r) => r.user)).toEqual([USER]);
  });

  it('a wrong password at the token server is REGISTRY_AUTH without secrets', async () => {
    const authConfigPath = await dockerConfig('token-wrong', { auths: { [tokenReg.host]: { auth: b64(`${USER}:wrong-${PASSWORD}`) } } });
    const { log, lines } = recorder();
    const err = await read(`${tokenReg.host}/team/tok:v1`, { authConfigPath, log }).catch((e: unknown) => e);
    expect((err as CreachError).code).toBe('REGISTRY_AUTH');
    expect((err as CreachError).message).toContain(`registry ${tokenReg.host} refused the credentials for repository team/tok`);
    assertNoSecrets(visible(err) + lines.join('\n'));
  });

  it('an account that may only pull gets REGISTRY_AUTH on push, and can still read', async () => {
    const authConfigPath = await dockerConfig('token-reader', { auths: { [tokenReg.host]: { username: 'reader', password: PASSWORD } } });
    const m = await memoryImage({ layers: [{ f: 'reader' }] });
    const err = await write(`${tokenReg.host}/team/tok:reader`, { kind: 'image', image: m.image }, { authConfigPath }).catch((e: unknown) => e);
    expect((err as CreachError).code).toBe('REGISTRY_AUTH');
    expect((err as CreachError).message).toContain('team/tok');
    const back = await read(`${tokenReg.host}/team/tok:v1`, { authConfigPath });
    expect(back.kind).toBe('image');
  });

  it('anonymous access to a token registry is REGISTRY_AUTH', async () => {
    const authConfigPath = await dockerConfig('token-anon', {});
    await expect(read(`${tokenReg.host}/team/tok:v1`, { authConfigPath })).rejects.toMatchObject({ code: 'REGISTRY_AUTH' });
  });
});
