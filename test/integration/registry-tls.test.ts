// A loopback registry that speaks HTTPS with a self-signed certificate: creach tries HTTPS first
// for loopback (and --insecure-registry) hosts, without certificate checks as Docker does, and
// only falls back to plain HTTP when the registry does not speak TLS.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { read } from '../../src/image/registry/read.js';
import { write } from '../../src/image/registry/write.js';
import { memoryImage } from '../support/memory-image.js';
import { requireOpenRegistry, startRegistry, type TestRegistry } from '../support/registry.js';
import { assertValid } from '../support/validate.js';

let dir = '';
let reg: TestRegistry;

function recorder(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (s: string) => lines.push(s);
  return { log: { debug: push, info: push, warn: push }, lines };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'creach-test-tls-'));
  const key = join(dir, 'tls.key');
  const certificate = join(dir, 'tls.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', certificate, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  reg = await startRegistry({ kind: 'none' }, { tls: { certificate, key } });
});

afterAll(async () => {
  await reg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('pushes and reads over HTTPS on a loopback registry with a self-signed certificate', async () => {
  const m = await memoryImage({ layers: [{ f: 'over tls' }] });
  const ref = `${reg.host}/team/tls:v1`;
  const { log, lines } = recorder();
  const res = await write(ref, { kind: 'image', image: m.image }, { log });
  expect(res.digest).toBe(await m.image.digest());
  const back = await read(ref, { log });
  await assertValid(back);
  expect(lines.filter((l) => / (GET|PUT|POST|HEAD) http:\/\//.test(l))).toEqual([]);
  expect(lines.some((l) => l.includes(`PUT https://${reg.host}/v2/team/tls/manifests/v1`))).toBe(true);
});

it('falls back to plain HTTP for a loopback registry without TLS', async () => {
  const open = await requireOpenRegistry();
  const { log, lines } = recorder();
  await read(`${open}/creach-test/does-not-exist:x`, { log }).catch(() => undefined);
  expect(lines).toContain(`registry: ${open} does not speak TLS; using plain HTTP`);
  expect(lines.some((l) => l.includes(`GET http://${open}/v2/creach-test/does-not-exist/manifests/x`))).toBe(true);
});
