import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CreachError } from '../../errors.js';
import { EngineClient, engineEndpoint } from './client.js';

describe('engineEndpoint', () => {
  it('defaults to the unix socket and honours unix:// and tcp:// DOCKER_HOST values', () => {
    const saved = process.env.DOCKER_HOST;
    delete process.env.DOCKER_HOST;
    try {
      expect(engineEndpoint('')).toMatchObject({ socketPath: '/var/run/docker.sock' });
      expect(engineEndpoint(undefined)).toMatchObject({ socketPath: '/var/run/docker.sock' });
    } finally {
      if (saved !== undefined) process.env.DOCKER_HOST = saved;
    }
    expect(engineEndpoint('unix:///run/user/1000/docker.sock')).toMatchObject({ socketPath: '/run/user/1000/docker.sock' });
    expect(engineEndpoint('tcp://127.0.0.1:2375')).toMatchObject({ host: '127.0.0.1', port: 2375 });
  });

  it('never shows credentials of a tcp:// DOCKER_HOST in messages', () => {
    expect(engineEndpoint('tcp://user:secret@127.0.0.1:2375').display).toBe('http://127.0.0.1:2375');
  });

  it('refuses what it cannot speak with DAEMON_UNREACHABLE', () => {
    expect(() => engineEndpoint('ssh://user@host')).toThrow(CreachError);
    try {
      engineEndpoint('ssh://user@host');
    } catch (e) {
      expect((e as CreachError).code).toBe('DAEMON_UNREACHABLE');
    }
  });
});

// A stand-in engine on a unix socket: only to check the version negotiation rule, which the
// real engine here (API 1.41) cannot show from both sides.
describe('API version negotiation against a fake engine on a unix socket', () => {
  let server: Server | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (server?.listening ? server.close(() => r()) : r()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function fakeEngine(version: string): Promise<{ sock: string; paths: string[] }> {
    dir = await mkdtemp(join(tmpdir(), 'creach-engine-fake-'));
    const sock = join(dir, 'd.sock');
    const paths: string[] = [];
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.setHeader('Api-Version', version);
      res.end(req.url === '/_ping' ? 'OK' : '[]');
    });
    await new Promise<void>((r) => server!.listen(sock, r));
    return { sock, paths };
  }

  it('uses the daemon version when it is older than ours, and ours when the daemon is newer', async () => {
    const old = await fakeEngine('1.42');
    const c1 = new EngineClient({ dockerHost: `unix://${old.sock}` });
    expect(await c1.containers()).toEqual([]);
    expect(old.paths).toEqual(['/_ping', '/v1.42/containers/json?all=1']);
    await new Promise<void>((r) => server!.close(() => r()));

    const newer = await fakeEngine('1.99');
    const c2 = new EngineClient({ dockerHost: `unix://${newer.sock}` });
    expect(await c2.apiVersion()).toBe('1.47');
  });

  it('refuses an engine older than API 1.41 with DAEMON_ERROR', async () => {
    const ancient = await fakeEngine('1.24');
    const err = await new EngineClient({ dockerHost: `unix://${ancient.sock}` }).apiVersion().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CreachError);
    expect((err as CreachError).code).toBe('DAEMON_ERROR');
    expect((err as CreachError).message).toMatch(/API 1\.24; creach needs 1\.41/);
  });
});
