import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CreachError } from '../errors.js';
import { EngineClient, engineTarget } from './engine-api.js';

describe('engineTarget', () => {
  it('defaults to the unix socket and honours unix:// and tcp:// DOCKER_HOST values', () => {
    expect(engineTarget('')).toMatchObject({ socketPath: '/var/run/docker.sock' });
    expect(engineTarget(undefined)).toMatchObject({ socketPath: '/var/run/docker.sock' });
    expect(engineTarget('unix:///run/user/1000/docker.sock')).toMatchObject({ socketPath: '/run/user/1000/docker.sock' });
    expect(engineTarget('tcp://127.0.0.1:2375')).toMatchObject({ host: '127.0.0.1', port: 2375 });
  });

  it('refuses what it cannot speak with DAEMON_UNREACHABLE', () => {
    expect(() => engineTarget('ssh://user@host')).toThrow(CreachError);
  });
});

// A stand-in engine on a unix socket: only to check the version negotiation rule, which the
// real engine here (API 1.41) cannot show from both sides.
describe('API version negotiation against a fake engine on a unix socket', () => {
  let server: Server | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
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
    const old = await fakeEngine('1.41');
    const c1 = new EngineClient(engineTarget(`unix://${old.sock}`));
    await c1.getJson('/containers/json');
    expect(old.paths).toEqual(['/_ping', '/v1.41/containers/json']);
    await new Promise<void>((r) => server!.close(() => r()));

    const newer = await fakeEngine('1.99');
    const c2 = new EngineClient(engineTarget(`unix://${newer.sock}`));
    expect(await c2.apiVersion()).toBe('1.43');
  });
});
