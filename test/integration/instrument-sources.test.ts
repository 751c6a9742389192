// creach container instrument from every source (engine, registry, legacy `docker save` tar,
// Docker 25-style tar, OCI layout dir and tar) into every sink (tar, engine load, registry
// push), against the real engine and the real registry on 127.0.0.1:5000. Each result must
// run under `docker run` with the original arguments and environment, take new arguments, pass
// `docker load` and skopeo, and be a valid image.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { read as readArchive } from '../../src/image/docker-archive/read.js';
import { write as writeArchive } from '../../src/image/docker-archive/write.js';
import { read as readEngine } from '../../src/image/engine/read.js';
import type { Image } from '../../src/image/image.js';
import { read as readRegistry } from '../../src/image/registry/read.js';
import { docker, ensureEngine, removeImages, uniqueName } from '../support/images.js';
import { requireOpenRegistry } from '../support/registry.js';
import { buildBinaries, creach, elfMachine, importAppImage, layerFiles, must, validate, type Binaries } from './instrument-support.js';

let bins: Binaries;
let REG: string;
let NAME: string; // 127.0.0.1:5000/creach-test-inst-…:1, the name every source carries
let OUT: string; // NAME with -instrumented
let configId: string;
const sources: Record<string, string> = {};
/** Config digest of each source as skopeo sees it (skopeo rewrites the config when it makes an OCI layout). */
const sourceConfig: Record<string, string> = {};

beforeAll(async () => {
  await ensureEngine();
  REG = await requireOpenRegistry();
  bins = await buildBinaries();
  NAME = `${REG}/${uniqueName('inst')}:1`;
  OUT = NAME.replace(/:1$/, ':1-instrumented');
  await importAppImage(NAME, await readFile(bins.appX86));
  configId = (await must('docker', ['image', 'inspect', '--format', '{{.Id}}', NAME])).trim();
  await must('docker', ['push', NAME]);
  const dir = bins.dir;
  await must('docker', ['save', '-o', join(dir, 'legacy.tar'), NAME]);
  // The Docker 25+ layout (OCI layout + manifest.json) is what creach's own archive sink writes.
  const fromEngine = await readEngine(NAME);
  await writeArchive(join(dir, 'docker25.tar'), fromEngine.image, { name: NAME });
  await must('skopeo', ['copy', '-q', `docker-daemon:${NAME}`, `oci:${join(dir, 'layout')}:${NAME}`]);
  await must('skopeo', ['copy', '-q', `docker-daemon:${NAME}`, `oci-archive:${join(dir, 'layout.tar')}:${NAME}`]);
  Object.assign(sources, {
    engine: `docker-daemon:${NAME}`,
    registry: `docker://${NAME}`,
    'legacy docker save tar': join(dir, 'legacy.tar'),
    'docker 25 tar': join(dir, 'docker25.tar'),
    'OCI layout dir': join(dir, 'layout'),
    'OCI layout tar': join(dir, 'layout.tar'),
  });
  const ociConfig = (t: string) => (JSON.parse(t) as { config: { digest: string } }).config.digest;
  for (const s of Object.keys(sources)) sourceConfig[s] = configId;
  sourceConfig['OCI layout dir'] = ociConfig(await must('skopeo', ['inspect', '--raw', `oci:${join(dir, 'layout')}:${NAME}`]));
  sourceConfig['OCI layout tar'] = ociConfig(await must('skopeo', ['inspect', '--raw', `oci-archive:${join(dir, 'layout.tar')}:${NAME}`]));
}, 600_000);

afterAll(async () => {
  if (NAME) await removeImages(NAME, OUT);
  if (bins) await rm(bins.dir, { recursive: true, force: true });
});

/** What a user checks on the instrumented image in the engine. */
async function checkRuns(image: string, source: string): Promise<void> {
  const plain = await docker(['run', '--rm', '--network', 'host', image]);
  expect(plain.code, plain.stderr).toBe(0);
  expect(plain.stdout.trim()).toBe('app greeting=hello args=one,two');
  expect(plain.stderr).toContain('test-sensor: running /bin/app');
  const args = await docker(['run', '--rm', '--network', 'host', image, 'other', 'args']);
  expect(args.code, args.stderr).toBe(0);
  expect(args.stdout.trim()).toBe('app greeting=hello args=other,args');
  const labels = JSON.parse(await must('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', image])) as Record<string, string>;
  expect(labels['io.creach.original.config-digest']).toBe(sourceConfig[source]);
  expect(labels['io.creach.original.reference']).toBe(sources[source]);
  expect(labels['io.creach.version']).toMatch(/^\d+\.\d+\.\d+/);
}

/** The sensor layer as a user of the image would find it. */
async function checkSensorLayer(image: Image): Promise<void> {
  const files = await layerFiles(image, -1);
  const sensor = files.get('opt/_instrumented/creach-sensor');
  expect(sensor?.mode).toBe(0o755);
  expect(elfMachine(sensor!.body!)).toBe(62);
  expect(files.get('opt/_instrumented/artifacts')?.mode).toBe(0o777);
  expect(files.get('opt/_instrumented')?.mode).toBe(0o755);
  const cfg = await image.configFile();
  expect(cfg.config.Entrypoint?.slice(0, 2)).toEqual(['/opt/_instrumented/creach-sensor', 'run']);
  expect(cfg.config.Entrypoint?.slice(-2)).toEqual(['--', '/bin/app']);
  expect(cfg.config.Cmd).toEqual(['one', 'two']);
  expect(cfg.config.Env).toContain('GREETING=hello');
}

const SOURCE_NAMES = ['engine', 'registry', 'legacy docker save tar', 'docker 25 tar', 'OCI layout dir', 'OCI layout tar'];

describe.each(SOURCE_NAMES)('from %s', (source) => {
  it('into a tar that docker load and skopeo accept', async () => {
    const out = join(bins.dir, `${uniqueName('out')}.tar`);
    const r = await creach(['container', 'instrument', '--image', sources[source], '--sensor-path', bins.sensorX86, '--output-image-tar', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(OUT);
    const archive = await readArchive(out);
    expect(archive.image.kind).toBe('image');
    if (archive.image.kind !== 'image') return;
    await validate(archive.image);
    await checkSensorLayer(archive.image.image);
    const oci = JSON.parse(await must('skopeo', ['inspect', `oci-archive:${out}`])) as { Layers: string[] };
    const dockerArchive = JSON.parse(await must('skopeo', ['inspect', `docker-archive:${out}`])) as { Layers: string[]; RepoTags: string[] };
    expect(oci.Layers).toHaveLength(2);
    expect(dockerArchive.Layers).toHaveLength(2);
    await removeImages(OUT);
    const loaded = await must('docker', ['load', '-i', out]);
    expect(loaded).toContain(`Loaded image: ${OUT}`);
    await checkRuns(OUT, source);
    await removeImages(OUT);
    await rm(out, { force: true });
  });

  it('into the engine', async () => {
    await removeImages(OUT);
    const r = await creach(['container', 'instrument', '--image', sources[source], '--sensor-path', bins.sensorX86, '--load-instrumented-image']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(OUT);
    // No tar is written when only the engine was asked for.
    expect(existsSync(join(process.cwd(), 'instrumented-image.tar'))).toBe(false);
    await checkRuns(OUT, source);
    const back = await readEngine(OUT);
    await validate(back.image);
    if (back.image.kind === 'image') await checkSensorLayer(back.image.image);
    await removeImages(OUT);
  });

  it('into the registry', async () => {
    const r = await creach(['container', 'instrument', '--image', sources[source], '--sensor-path', bins.sensorX86, '--publish']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(OUT);
    const pushed = await readRegistry(OUT);
    await validate(pushed);
    expect(pushed.kind).toBe('image');
    if (pushed.kind === 'image') await checkSensorLayer(pushed.image);
    await removeImages(OUT);
    await must('docker', ['pull', '-q', OUT]);
    await checkRuns(OUT, source);
    await removeImages(OUT);
  });
});
