// Multi-platform instrument against the real registry: each selected platform gets its own
// architecture's sensor, attestation manifests are dropped, the index is rebuilt. Also the
// settings and overrides as flags and CREACH_ variables, and an image whose /opt is a symlink.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { read as readArchive } from '../../src/image/docker-archive/read.js';
import type { Image } from '../../src/image/image.js';
import { read as readRegistry } from '../../src/image/registry/read.js';
import { write as writeRegistry } from '../../src/image/registry/write.js';
import { docker, ensureEngine, removeImages, uniqueName } from '../support/images.js';
import { requireOpenRegistry } from '../support/registry.js';
import { buildBinaries, creach, elfMachine, importAppImage, layerFiles, multiPlatformIndex, must, validate, type Binaries } from './instrument-support.js';

let bins: Binaries;
let REG: string;
let MULTI: string;
const trashImages: string[] = [];

beforeAll(async () => {
  await ensureEngine();
  REG = await requireOpenRegistry();
  bins = await buildBinaries();
  MULTI = `${REG}/${uniqueName('multi')}:1`;
  await writeRegistry(MULTI, { kind: 'index', index: await multiPlatformIndex(bins) });
}, 600_000);

afterAll(async () => {
  await removeImages(...trashImages);
  if (bins) await rm(bins.dir, { recursive: true, force: true });
});

async function sensorMachine(image: Image): Promise<number> {
  const files = await layerFiles(image, -1);
  const sensor = files.get('opt/_instrumented/creach-sensor');
  expect(sensor, 'sensor in the last layer').toBeDefined();
  return elfMachine(sensor!.body!);
}

describe('a multi-platform index', () => {
  it('is pushed with both platforms, each with its own sensor, and no attestation', async () => {
    const r = await creach(['container', 'instrument', '--image', MULTI, '--platform', 'linux/amd64,linux/arm64', '--sensor-path', bins.sensorDir, '--publish']);
    expect(r.code, r.stderr).toBe(0);
    const out = MULTI.replace(/:1$/, ':1-instrumented');
    expect(r.stdout.trim()).toBe(out);
    const pushed = await readRegistry(out);
    expect(pushed.kind).toBe('index');
    if (pushed.kind !== 'index') return;
    await validate(pushed);
    const im = await pushed.index.indexManifest();
    expect(im.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`)).toEqual(['linux/amd64', 'linux/arm64']);
    expect(im.manifests.some((m) => m.annotations?.['vnd.docker.reference.type'])).toBe(false);
    const machines = [];
    for (const m of im.manifests) {
      const image = await pushed.index.image(m.digest);
      machines.push(await sensorMachine(image));
      const cfg = await image.configFile();
      expect(cfg.architecture).toBe(m.platform?.architecture);
      expect(cfg.config.Entrypoint?.slice(-2)).toEqual(['--', '/bin/app']);
      expect(cfg.config.Labels?.['io.creach.original.manifest-digest']).toMatch(/^sha256:/);
    }
    expect(machines).toEqual([62, 183]);
    // The engine pulls the amd64 image of the index and runs it.
    trashImages.push(out);
    await must('docker', ['pull', '-q', out]);
    const run = await docker(['run', '--rm', '--network', 'host', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('app greeting=hello args=one,two');
  });

  it('keeps only the platform asked for', async () => {
    const tar = join(bins.dir, 'arm.tar');
    const r = await creach(['container', 'instrument', '--image', MULTI, '--platform', 'linux/arm64', '--sensor-path', bins.sensorDir, '--output-image-tar', tar]);
    expect(r.code, r.stderr).toBe(0);
    const back = await readArchive(tar);
    expect(back.image.kind).toBe('index');
    if (back.image.kind !== 'index') return;
    await validate(back.image);
    const im = await back.image.index.indexManifest();
    expect(im.manifests.map((m) => m.platform?.architecture)).toEqual(['arm64']);
    expect(await sensorMachine(await back.image.index.image(im.manifests[0].digest))).toBe(183);
    const inspect = JSON.parse(await must('skopeo', ['inspect', '--override-arch', 'arm64', `oci-archive:${tar}`])) as { Architecture: string };
    expect(inspect.Architecture).toBe('arm64');
  });

  it('writes an index tar that docker load takes (host platform) and skopeo reads', async () => {
    const tar = join(bins.dir, 'both.tar');
    const r = await creach(['container', 'instrument', '--image', MULTI, '--sensor-path', bins.sensorDir, '--output-image-tar', tar]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout.trim();
    trashImages.push(out);
    await removeImages(out);
    expect(await must('docker', ['load', '-i', tar])).toContain(`Loaded image: ${out}`);
    const run = await docker(['run', '--rm', '--network', 'host', out, 'a']);
    expect(run.stdout.trim()).toBe('app greeting=hello args=a');
    const inspect = JSON.parse(await must('skopeo', ['inspect', `oci-archive:${tar}`])) as { Architecture: string; Layers: string[] };
    expect(inspect.Architecture).toBe('amd64');
    expect(inspect.Layers).toHaveLength(2);
    await must('skopeo', ['inspect', `docker-archive:${tar}`]);
  });

  it('names a platform it lacks, and a platform creach does not know', async () => {
    // arm.tar (from the test above) is an index holding only linux/arm64.
    const lacks = await creach(['container', 'instrument', '--image', join(bins.dir, 'arm.tar'), '--platform', 'linux/amd64', '--sensor-path', bins.sensorDir, '--output-image-tar', join(bins.dir, 'x.tar')]);
    expect(lacks.code).toBe(1);
    expect(lacks.stderr).toMatch(/creach: error: .* has no linux\/amd64 image\n {2}hint: platforms in it: linux\/arm64/);
    const unknown = await creach(['container', 'instrument', '--image', MULTI, '--platform', 'linux/s390x', '--sensor-path', bins.sensorDir, '--output-image-tar', join(bins.dir, 'y.tar')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/creach: error: unknown platform linux\/s390x/);
  });
});

describe('a single-platform image', () => {
  let SRC: string;
  beforeAll(async () => {
    SRC = `${uniqueName('single')}:1`;
    trashImages.push(SRC);
    await importAppImage(SRC, await readFile(bins.appX86));
  });

  it('refuses a platform it is not', async () => {
    const tar = join(bins.dir, 'single-arm.tar');
    const r = await creach(['container', 'instrument', '--image', SRC, '--platform', 'linux/arm64', '--sensor-path', bins.sensorDir, '--output-image-tar', tar]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^creach: error: .* is a single linux\/amd64 image, not linux\/arm64$/m);
  });

  it('takes every setting as a flag or a CREACH_ variable, and overrides entrypoint and cmd', async () => {
    const tar = join(bins.dir, 'settings.tar');
    const r = await creach(
      ['container', 'instrument', '--image', SRC, '--sensor-path', bins.sensorDir, '--app-stop-signal', 'QUIT', '--debug-mode', '--entrypoint', '/bin/app "first word"'],
      {
        CREACH_CONTAINER_INSTRUMENT_OUTPUT_IMAGE_TAR: tar,
        CREACH_CONTAINER_INSTRUMENT_APP_STOP_GRACE_PERIOD: '20s',
        CREACH_CONTAINER_INSTRUMENT_APP_STDOUT_TO_FILE: '1',
        CREACH_CONTAINER_INSTRUMENT_APP_STDERR_TO_FILE: 'false',
        CREACH_CONTAINER_INSTRUMENT_CMD: '["x","y"]',
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const back = await readArchive(tar);
    if (back.image.kind !== 'image') throw new Error('expected an image');
    await validate(back.image);
    const cfg = await back.image.image.configFile();
    expect(cfg.config.Entrypoint).toEqual([
      '/opt/_instrumented/creach-sensor', 'run', '--image-ref', SRC, '--image-digest', expect.stringMatching(/^sha256:/),
      '--stop-signal', 'QUIT', '--stop-grace-period', '20s', '--stdout-to-file', '--debug', '--', '/bin/app', 'first word',
    ]);
    expect(cfg.config.Cmd).toEqual(['x', 'y']);
    const out = r.stdout.trim();
    trashImages.push(out);
    await must('docker', ['load', '-i', tar]);
    const run = await docker(['run', '--rm', '--network', 'host', out]);
    expect(run.stdout.trim()).toBe('app greeting=hello args=first word,x,y');
  });

  it('places the sensor where /opt points when /opt is a symlink, keeping the symlink', async () => {
    const src = `${uniqueName('optlink')}:1`;
    trashImages.push(src, `${src}-instrumented`);
    await importAppImage(src, await readFile(bins.appX86), { optSymlink: true });
    const r = await creach(['container', 'instrument', '--image', src, '--sensor-path', bins.sensorDir, '--load-instrumented-image']);
    expect(r.code, r.stderr).toBe(0);
    const out = `${src}-instrumented`;
    const run = await docker(['run', '--rm', '--network', 'host', out, 'z']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('app greeting=hello args=z');
    // The container's filesystem: /opt still a symlink, the sensor and the old file behind it.
    const name = uniqueName('optlink-ctr');
    await must('docker', ['create', '--name', name, out]);
    try {
      const listing = await must('sh', ['-c', `docker export ${name} | tar tvf -`]);
      expect(listing).toMatch(/^l.* opt -> srv\/opt$/m);
      expect(listing).toMatch(/ srv\/opt\/keep\.txt$/m);
      expect(listing).toMatch(/ srv\/opt\/_instrumented\/creach-sensor$/m);
    } finally {
      await docker(['rm', '-f', name]);
    }
  });
});
