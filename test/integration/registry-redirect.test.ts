// Blob downloads follow the registry's storage redirects, and credentials never follow them to
// another origin. The registry is Debian's docker-registry with htpasswd auth and its `redirect`
// storage middleware; the redirect target is a plain file server over the registry's own
// storage directory (what a CDN or object store in front of the storage would be).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Logger } from '../../src/log.js';
import { read } from '../../src/image/registry/read.js';
import { write } from '../../src/image/registry/write.js';
import { memoryImage } from '../support/memory-image.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { assertValid } from '../support/validate.js';

const PASSWORD = 'redirect-Passw0rd';
let reg: TestRegistry;
let files: Server;
let root = '';
let dir = '';
const seen: { url: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'creach-test-redirect-'));
  files = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (!root || !path.startsWith(root)) return void res.writeHead(403).end();
    stat(path).then(
      (st) => {
        res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' });
        createReadStream(path).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
  const port = (files.address() as { port: number }).port;
  reg = await startRegistry({ kind: 'htpasswd', users: { creach: PASSWORD } }, { redirectBlobsTo: `http://127.0.0.1:${port}/` });
  root = join(reg.dir, 'data');
});

afterAll(async () => {
  await reg?.stop();
  await new Promise((r) => files?.close(r));
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('reads blobs through a storage redirect without sending credentials there', async () => {
  const authConfigPath = join(dir, 'config.json');
  await writeFile(authConfigPath, JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from(`creach:${PASSWORD}`).toString('base64') } } }));
  const m = await memoryImage({ layers: [{ a: 'redirected layer' }, { b: 'second' }] });
  const ref = `${reg.host}/team/redirect:v1`;
  await write(ref, { kind: 'image', image: m.image }, { authConfigPath });

  const lines: string[] = [];
  const log: Logger = { debug: (s) => lines.push(s), info: (s) => lines.push(s), warn: (s) => lines.push(s) };
  seen.length = 0;
  const back = await read(ref, { authConfigPath, log });
  await assertValid(back);
  // Config and both layers (assertValid reads each layer twice) came from the file server.
  expect(seen.length).toBeGreaterThanOrEqual(3);
  expect(seen.every((r) => r.url.includes('/docker/registry/v2/blobs/sha256/'))).toBe(true);
  expect(seen.filter((r) => r.headers.authorization !== undefined)).toEqual([]);
  expect(lines.some((l) => l.includes(`GET http://127.0.0.1:${(files.address() as { port: number }).port}/docker/registry/v2/blobs/`))).toBe(true);
});
