// Bad input to `creach container scan` gives exit 1 (or 2 for flags) and one line naming the
// input and the problem, and writes no output: a truncated layer in a `docker save` tar, an
// image whose only package database is in no format creach knows, a missing tar. (Reports that
// are not JSON and reports from another image are covered in scan-nginx.test.ts with a real
// sensor report.)
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, ensureEngine, uniqueName } from '../support/images.js';
import { creach, dockerOk } from './scan-support.js';

const trash = cleanup();
let work = '';
let goodTar = '';
let truncatedTar = '';
let unknownDbTar = '';

/** `docker import` a folder as an image and `docker save` it: real docker-archive tars. */
async function importAndSave(root: string, tag: string, out: string): Promise<void> {
  const layer = join(work, `${tag.replace(/[^a-z0-9]/g, '-')}-rootfs.tar`);
  execFileSync('tar', ['-C', root, '-cf', layer, '.']);
  await dockerOk(['import', layer, tag]);
  trash.image(tag);
  await dockerOk(['save', '-o', out, tag]);
}

beforeAll(async () => {
  await ensureEngine();
  work = trash.path(await mkdtemp(join(tmpdir(), 'creach-test-scan-errors-')));

  // A tiny dpkg image with one package whose file is big enough to cut in the middle of.
  const good = join(work, 'good');
  await mkdir(join(good, 'etc'), { recursive: true });
  await mkdir(join(good, 'var/lib/dpkg/info'), { recursive: true });
  await mkdir(join(good, 'usr/bin'), { recursive: true });
  await writeFile(join(good, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
  await writeFile(join(good, 'var/lib/dpkg/status'), 'Package: hello\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.10-3\n\n');
  await writeFile(join(good, 'var/lib/dpkg/info/hello.list'), '/.\n/usr\n/usr/bin\n/usr/bin/hello\n');
  await writeFile(join(good, 'usr/bin/hello'), Buffer.alloc(4 * 1024 * 1024, 7));
  goodTar = join(work, 'good.tar');
  await importAndSave(good, `${uniqueName('scan-err-good')}:1`, goodTar);

  // The same archive with its layer cut short: unpack, truncate layer.tar, pack again.
  const unpacked = join(work, 'unpacked');
  await mkdir(unpacked);
  execFileSync('tar', ['-C', unpacked, '-xf', goodTar]);
  const layers: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if ((await stat(p)).size > 1024 * 1024) layers.push(p);
    }
  };
  await walk(unpacked);
  expect(layers).toHaveLength(1);
  await truncate(layers[0], Math.floor((await stat(layers[0])).size / 2));
  truncatedTar = join(work, 'truncated.tar');
  execFileSync('tar', ['-C', unpacked, '-cf', truncatedTar, '.']);

  // An RPM-style image whose only package database is not one of the formats creach reads.
  const rpm = join(work, 'rpm');
  await mkdir(join(rpm, 'etc'), { recursive: true });
  await mkdir(join(rpm, 'var/lib/rpm'), { recursive: true });
  await writeFile(join(rpm, 'etc/os-release'), 'ID=rhel\nVERSION_ID="9.4"\n');
  await writeFile(join(rpm, 'var/lib/rpm/Packages'), Buffer.concat([Buffer.from('not a database at all, just text\n'), Buffer.alloc(8192, 0x41)]));
  unknownDbTar = join(work, 'unknown-db.tar');
  await importAndSave(rpm, `${uniqueName('scan-err-rpm')}:1`, unknownDbTar);
});

afterAll(() => trash.run());

describe('scan: bad input', () => {
  it('the untouched tar scans (so the failures below are about the damage)', async () => {
    const r = await creach(['container', 'scan', '--image-tar', goodTar, '--output-type', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.packages.map((p: { name: string; reachability: string }) => `${p.name}:${p.reachability}`)).toEqual(['hello:unknown']);
  });

  it('a truncated layer: exit 1, one error line naming the tar, no output file', async () => {
    const out = join(work, 'truncated-result.json');
    const r = await creach(['container', 'scan', '--image-tar', truncatedTar, '--output-file', out]);
    expect(r.code).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('creach: error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(truncatedTar);
    expect(errors[0]).toMatch(/truncat|ends early|short|digest/i);
    expect(existsSync(out)).toBe(false);
  });

  it('an unknown package database format: exit 1 naming the database file', async () => {
    const r = await creach(['container', 'scan', '--image-tar', unknownDbTar, '--output-type', 'json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^creach: error: \/var\/lib\/rpm\/Packages in .*unknown-db\.tar: /m);
  });

  it('a missing tar is exit 1; conflicting or missing flags are usage errors (exit 2)', async () => {
    const missing = await creach(['container', 'scan', '--image-tar', join(work, 'nope.tar')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`creach: error: image tar ${join(work, 'nope.tar')} does not exist`);

    const both = await creach(['container', 'scan', '--image', 'x', '--image-tar', goodTar]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--image and --image-tar cannot be used together');
    const none = await creach(['container', 'scan']);
    expect(none.code).toBe(2);
    const noDirs = await creach(['container', 'scan', '--image-tar', goodTar, '--os-reachability']);
    expect(noDirs.code).toBe(2);
    expect(noDirs.stderr).toContain('--os-reachability needs at least one --profiling-data-dir');
    const badType = await creach(['container', 'scan', '--image-tar', goodTar, '--output-type', 'xml']);
    expect(badType.code).toBe(2);
    const help = await creach(['container', 'scan', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:\n\s+0 .*\n\s+1 .*\n\s+2 /);
  });

  it('flags can come from CREACH_CONTAINER_SCAN_* variables, switches honour their value', async () => {
    const r = await creach(['container', 'scan'], { CREACH_CONTAINER_SCAN_IMAGE_TAR: goodTar, CREACH_CONTAINER_SCAN_OUTPUT_TYPE: 'summary', CREACH_CONTAINER_SCAN_OS_REACHABILITY: 'false' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('1 packages: 0 reachable, 0 potentially reachable, 1 unknown, 0 unreachable');
    expect(r.stdout).toContain('reachability not asked for');
  });

  it('--output-file is written whole', async () => {
    const out = join(work, 'result.html');
    const r = await creach(['container', 'scan', '--image-tar', goodTar, '--output-type', 'html', '--output-file', out]);
    expect(r.code, r.stderr).toBe(0);
    const html = await readFile(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect((await readdir(work)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
