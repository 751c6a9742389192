import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAuthConfigPath, normaliseServerKey, resolveCredentials } from './credentials.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'creach-creds-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cfg(name: string, body: unknown): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, typeof body === 'string' ? body : JSON.stringify(body));
  return p;
}

describe('resolveCredentials', () => {
  it('decodes base64 auth and keeps passwords containing colons', async () => {
    const p = await cfg('a.json', { auths: { 'reg.example:5000': { auth: Buffer.from('me:pa:ss').toString('base64') } } });
    expect(await resolveCredentials('reg.example:5000', p)).toMatchObject({ username: 'me', password: 'pa:ss' });
    expect(await resolveCredentials('other.example', p)).toBeUndefined();
  });

  it('matches auths keys written as URLs and reads identity tokens', async () => {
    const p = await cfg('b.json', { auths: { 'https://Reg.Example/v1/': { identitytoken: 'rt' }, 'http://x.example:1/': { username: 'u', password: 'p' } } });
    expect(await resolveCredentials('reg.example', p)).toMatchObject({ identityToken: 'rt' });
    expect(await resolveCredentials('x.example:1', p)).toMatchObject({ username: 'u', password: 'p' });
  });

  it('treats a missing file as anonymous and a malformed one as REGISTRY_AUTH', async () => {
    expect(await resolveCredentials('reg.example', join(dir, 'none.json'))).toBeUndefined();
    const bad = await cfg('bad.json', '{nope');
    await expect(resolveCredentials('reg.example', bad)).rejects.toMatchObject({ code: 'REGISTRY_AUTH', message: expect.stringContaining(bad) });
  });

  it('prefers credHelpers over auths, and refuses helper names that are not plain words', async () => {
    const p = await cfg('c.json', { auths: { 'reg.example': { auth: Buffer.from('a:b').toString('base64') } }, credHelpers: { 'reg.example': '../evil' } });
    await expect(resolveCredentials('reg.example', p)).rejects.toMatchObject({ code: 'REGISTRY_AUTH' });
  });

  it('finds config.json under DOCKER_CONFIG', () => {
    const old = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = '/some/dir';
    try {
      expect(defaultAuthConfigPath()).toBe('/some/dir/config.json');
    } finally {
      if (old === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = old;
    }
  });

  it('normalises server keys', () => {
    expect(normaliseServerKey('https://REG.example:443/v2/')).toBe('reg.example:443');
    expect(normaliseServerKey('reg.example')).toBe('reg.example');
  });
});
