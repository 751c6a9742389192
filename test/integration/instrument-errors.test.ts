// Bad input to creach container instrument: a one-line error that says what to do, a non-zero
// exit, and no output file left behind (not even a temp file).
import { readdir, readFile, rm, truncate, writeFile, copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureEngine, removeImages, uniqueName } from '../support/images.js';
import { requireOpenRegistry, startRegistry, type TestRegistry } from '../support/registry.js';
import { buildBinaries, creach, importAppImage, must, tarBuffer, type Binaries } from './instrument-support.js';

let bins: Binaries;
let SRC: string;
let outDir: string;

beforeAll(async () => {
  await ensureEngine();
  await requireOpenRegistry();
  bins = await buildBinaries();
  SRC = `${uniqueName('err')}:1`;
  await importAppImage(SRC, await readFile(bins.appX86));
  await must('docker', ['save', '-o', join(bins.dir, 'good.tar'), SRC]);
  outDir = join(bins.dir, 'out');
  await mkdir(outDir);
}, 600_000);

afterAll(async () => {
  if (SRC) await removeImages(SRC, `${SRC}-instrumented`);
  if (bins) await rm(bins.dir, { recursive: true, force: true });
});

/** Runs instrument into outDir/out.tar and checks the failure shape. */
async function fails(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const out = join(outDir, 'out.tar');
  const r = await creach(['container', 'instrument', '--sensor-path', bins.sensorX86, '--output-image-tar', out, ...args], env);
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('creach: exporting') && !l.startsWith('creach: writing'));
  expect(lines[0]).toMatch(/^creach: error: /);
  expect(lines[1]).toMatch(/^ {2}hint: /);
  expect(lines).toHaveLength(2);
  expect(await readdir(outDir)).toEqual([]);
  expect(r.stdout).toBe('');
  return lines[0];
}

describe('instrument refuses bad input', () => {
  it('an image the engine does not have', async () => {
    expect(await fails(['--image', `${uniqueName('missing')}:1`])).toMatch(/has no image creach-test-missing-.*:1, and the reference names no registry/);
  });

  it('an image the registry does not have', async () => {
    expect(await fails(['--image', `127.0.0.1:5000/${uniqueName('missing')}:1`])).toMatch(/creach-test-missing/);
  });

  it('a truncated docker save tar', async () => {
    const t = join(bins.dir, 'truncated.tar');
    await copyFile(join(bins.dir, 'good.tar'), t);
    await truncate(t, 300_000);
    expect(await fails(['--image', t])).toMatch(new RegExp(`${t.replace(/[.]/g, '\\.')} is truncated`));
  });

  it('a tar that is not an image', async () => {
    const t = join(bins.dir, 'notimage.tar');
    await writeFile(t, await tarBuffer([{ name: 'hello.txt', body: Buffer.from('hi\n') }]));
    expect(await fails(['--image', t])).toMatch(/notimage\.tar is a tar but not a container image/);
  });

  it('a file that is not a tar', async () => {
    const t = join(bins.dir, 'text.tar');
    await writeFile(t, 'just text, no tar here\n'.repeat(100));
    expect(await fails(['--image', t])).toMatch(/text\.tar is not a tar archive/);
  });

  it('an unknown platform', async () => {
    expect(await fails(['--image', SRC, '--platform', 'windows/amd64'])).toMatch(/unknown platform windows\/amd64/);
  });

  it('a daemon that is not running', async () => {
    expect(await fails(['--image', SRC], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' })).toMatch(/cannot reach the Docker engine at unix:\/\/\/nonexistent\/docker.sock/);
  });

  it('a sensor that is not an executable for the platform', async () => {
    const bogus = join(bins.dir, 'bogus-sensor');
    await writeFile(bogus, '#!/bin/sh\n');
    const out = join(outDir, 'out.tar');
    const r = await creach(['container', 'instrument', '--image', SRC, '--sensor-path', bogus, '--output-image-tar', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/creach: error: .*bogus-sensor is not an ELF executable/);
    expect(await readdir(outDir)).toEqual([]);
    const arm = await creach(['container', 'instrument', '--image', SRC, '--sensor-path', bins.sensorArm, '--output-image-tar', out]);
    expect(arm.code).toBe(1);
    expect(arm.stderr).toMatch(/not for amd64/);
    expect(await readdir(outDir)).toEqual([]);
  });

  describe('a registry that refuses the credentials', () => {
    let reg: TestRegistry;
    let dockerConfig: string;
    beforeAll(async () => {
      reg = await startRegistry({ kind: 'htpasswd', users: { alice: 'right-password' } });
      dockerConfig = join(bins.dir, 'docker-config');
      await mkdir(dockerConfig);
      const auth = Buffer.from('alice:wrong-password').toString('base64');
      await writeFile(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth } } }));
    });
    afterAll(async () => reg?.stop());

    it('fails with the registry named and no password shown', async () => {
      const line = await fails(['--image', `${reg.host}/app:1`], { DOCKER_CONFIG: dockerConfig });
      expect(line).toContain(reg.host);
      expect(line).not.toContain('wrong-password');
    });
  });
});
