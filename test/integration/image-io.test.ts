// Image sources and sinks as a library, on real data: the `base` test image from the engine,
// written to and read back from an OCI layout (dir and tar) and a docker archive; a legacy
// `docker save` tar read by offset; zstd layers read and passed through without recompression.
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Stream } from '../../src/image/digest.js';
import { read as readArchive } from '../../src/image/docker-archive/read.js';
import { write as writeArchive } from '../../src/image/docker-archive/write.js';
import { read as readEngine } from '../../src/image/engine/read.js';
import type { Image, ImageOrIndex } from '../../src/image/image.js';
import { read as readLayout } from '../../src/image/oci-layout/read.js';
import { write as writeLayout } from '../../src/image/oci-layout/write.js';
import type { FileBackedLayer } from '../../src/image/partial.js';
import { resolve } from '../../src/image/ref.js';
import { instrument } from '../../src/instrument/instrument.js';
import { ensureTestImage } from '../support/images.js';
import { buildBinaries, must, validate, type Binaries } from './instrument-support.js';
import { readFile } from 'node:fs/promises';
import { write as writeEngine } from '../../src/image/engine/write.js';
import { CreachError } from '../../src/errors.js';
import { sha256 } from '../../src/image/digest.js';
import { imageFromCore } from '../../src/image/partial.js';
import { appImage } from './instrument-support.js';

let bins: Binaries;
let BASE: string;
let fromEngine: Image;

function single(x: ImageOrIndex): Image {
  if (x.kind !== 'image') throw new Error('expected a single image');
  return x.image;
}

async function sameImage(a: Image, b: Image): Promise<void> {
  expect(await b.configName()).toBe(await a.configName());
  const la = await a.layers();
  const lb = await b.layers();
  expect(await Promise.all(lb.map((l) => l.diffId()))).toEqual(await Promise.all(la.map((l) => l.diffId())));
  expect(await Promise.all(lb.map((l) => l.digest()))).toEqual(await Promise.all(la.map((l) => l.digest())));
}

beforeAll(async () => {
  bins = await buildBinaries();
  BASE = await ensureTestImage('base');
  const r = await readEngine(BASE);
  fromEngine = single(r.image);
}, 900_000);

afterAll(async () => {
  if (bins) await rm(bins.dir, { recursive: true, force: true });
});

describe('image sources and sinks', () => {
  it('reads the engine export as a valid image whose layers lie in the temp archive', async () => {
    await validate({ kind: 'image', image: fromEngine });
    const layers = (await fromEngine.layers()) as FileBackedLayer[];
    expect(layers[0].file).toBeDefined();
    // The byte range the layer names is the layer: it hashes to the diffID.
    const f = layers[0].file!;
    const h = await sha256Stream(createReadStream(f.path, { start: f.offset, end: f.offset + f.length - 1 }));
    expect(h.digest).toBe(await layers[0].diffId());
  });

  it('round-trips through an OCI layout directory and tar, and a docker archive', async () => {
    const dir = join(bins.dir, 'layout');
    await writeLayout(dir, { kind: 'image', image: fromEngine }, { format: 'dir', name: 'base:1' });
    const d = await readLayout(dir);
    await validate(d.image);
    await sameImage(fromEngine, single(d.image));
    expect(await single(d.image).digest()).toBe(await fromEngine.digest());
    const tar = join(bins.dir, 'layout.tar');
    await writeLayout(tar, d.image, { format: 'tar', name: 'base:1' });
    const t = await readLayout(tar);
    await validate(t.image);
    await sameImage(fromEngine, single(t.image));
    const archive = join(bins.dir, 'archive.tar');
    await writeArchive(archive, t.image, { name: 'creach-test-io:1' });
    const a = await readArchive(archive);
    expect(a.names).toEqual(['creach-test-io:1']);
    await validate(a.image);
    await sameImage(fromEngine, single(a.image));
    // skopeo agrees on what was written.
    const inspect = JSON.parse(await must('skopeo', ['inspect', `oci:${dir}:1`])) as { Layers: string[] };
    expect(inspect.Layers).toEqual(await Promise.all((await fromEngine.layers()).map((l) => l.digest())));
  });

  it('sniffs each kind of path', async () => {
    expect((await resolve(join(bins.dir, 'layout'))).kind).toBe('oci');
    expect((await resolve(join(bins.dir, 'layout.tar'))).kind).toBe('oci-archive');
    expect((await resolve(join(bins.dir, 'archive.tar'))).kind).toBe('docker-archive');
    expect((await resolve(`docker-daemon:${BASE}`)).kind).toBe('engine');
  });

  it('reads zstd layers and passes them through instrument without recompressing', async () => {
    const zdir = join(bins.dir, 'zstd');
    await must('skopeo', ['copy', '-q', '--dest-compress-format', 'zstd', '--dest-compress', `oci:${join(bins.dir, 'layout')}:1`, `oci:${zdir}:1`]);
    const z = single((await readLayout(zdir)).image);
    expect(await (await z.layers())[0].compression()).toBe('zstd');
    await validate({ kind: 'image', image: z });
    const out = await instrument(
      { kind: 'image', image: z },
      { reference: 'zstd-test', sensor: async () => ({ binary: await readFile(bins.sensorX86), where: bins.sensorX86 }) },
    );
    const im = single(out);
    await validate(out);
    const before = await Promise.all((await z.layers()).map((l) => l.digest()));
    const after = await Promise.all((await im.layers()).map((l) => l.digest()));
    expect(after.slice(0, -1)).toEqual(before);
    expect((await im.layers()).slice(0, -1)).toEqual(await z.layers()); // the very same layer objects
  });

  it('turns the engine\'s in-band load error into DAEMON_ERROR', async () => {
    // A config whose diff_id does not match the layer: the engine refuses it inside a 200 response.
    const good = await appImage(await readFile(bins.appX86), { os: 'linux', architecture: 'amd64' });
    const cfg = await good.configFile();
    const rawConfig = Buffer.from(JSON.stringify({ ...cfg, rootfs: { type: 'layers', diff_ids: [`sha256:${'0'.repeat(64)}`] } }));
    const m = await good.manifest();
    const manifest = { ...m, config: { ...m.config, digest: sha256(rawConfig), size: rawConfig.length } };
    const raw = Buffer.from(JSON.stringify(manifest));
    const layer = (await good.layers())[0];
    const bad = await imageFromCore({ rawManifest: async () => raw, rawConfigFile: async () => rawConfig, blob: async () => layer.compressed() });
    const err = await writeEngine('creach-test-io-bad:1', { kind: 'image', image: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CreachError);
    expect((err as CreachError).code).toBe('DAEMON_ERROR');
    expect((err as CreachError).message).toMatch(/the Docker engine refused the image/);
  });
});
