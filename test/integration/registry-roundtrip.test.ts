// Push and read back through the real open registry on 127.0.0.1:5000 (scripts/env/registry.sh),
// cross-checked with skopeo as an independent client.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CreachError } from '../../src/errors.js';
import { sha256 } from '../../src/image/digest.js';
import { MediaType, type Image, type ImageOrIndex, type Layer, type Manifest } from '../../src/image/image.js';
import type { Logger, ProgressEvent } from '../../src/log.js';
import { read } from '../../src/image/registry/read.js';
import { registrySourceOf } from '../../src/image/registry/source.js';
import { write } from '../../src/image/registry/write.js';
import { memoryImage, memoryIndex, tarOf } from '../support/memory-image.js';
import { freePort, requireOpenRegistry, startRegistry } from '../support/registry.js';
import { assertValid, assertValidImage } from '../support/validate.js';

let REG = '';
const repo = (what: string) => `${REG}/creach-test/${what}-${randomBytes(4).toString('hex')}`;

function recorder(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (s: string) => lines.push(s);
  return { log: { debug: push, info: push, warn: push }, lines };
}

function skopeoInspect(ref: string, raw = false): any {
  const out = execFileSync('skopeo', ['inspect', '--tls-verify=false', ...(raw ? ['--raw'] : []), `docker://${ref}`], { encoding: 'utf8' });
  return JSON.parse(out);
}

async function imageOf(x: ImageOrIndex): Promise<Image> {
  if (x.kind !== 'image') throw new Error(`expected an image, got ${x.kind}`);
  return x.image;
}

/** An image that is `base` plus one layer, passing the base's layer objects through untouched (as instrument does). */
async function appendLayer(base: Image, files: Record<string, string>): Promise<Image> {
  const plain = await tarOf(files);
  const gz = gzipSync(plain);
  const layer: Layer = {
    digest: async () => sha256(gz),
    diffId: async () => sha256(plain),
    size: async () => gz.length,
    mediaType: async () => MediaType.OCI_LAYER_GZIP,
    compression: async () => 'gzip',
    compressed: async () => Readable.from([gz]),
    uncompressed: async () => Readable.from([plain]),
  };
  const cfg = structuredClone(await base.configFile());
  cfg.rootfs.diff_ids.push(sha256(plain));
  cfg.history?.push({ created_by: 'appended' });
  const rawConfig = Buffer.from(JSON.stringify(cfg));
  const m: Manifest = structuredClone(await base.manifest());
  m.config = { ...m.config, digest: sha256(rawConfig), size: rawConfig.length };
  m.layers.push({ mediaType: MediaType.OCI_LAYER_GZIP, digest: sha256(gz), size: gz.length });
  const rawManifest = Buffer.from(JSON.stringify(m));
  const layers = [...(await base.layers()), layer];
  return {
    mediaType: async () => m.mediaType ?? MediaType.OCI_MANIFEST,
    digest: async () => sha256(rawManifest),
    rawManifest: async () => rawManifest,
    manifest: async () => m,
    configName: async () => sha256(rawConfig),
    rawConfigFile: async () => rawConfig,
    configFile: async () => cfg,
    layers: async () => layers,
    layerByDigest: async (d) => {
      for (const l of layers) if ((await l.digest()) === d) return l;
      throw new Error(`no layer ${d}`);
    },
  };
}

beforeAll(async () => {
  REG = await requireOpenRegistry();
});

describe('registry round trip (open registry)', () => {
  it('pushes an image and reads back the same digests, diffIDs and config', async () => {
    const m = await memoryImage({ layers: [{ 'etc/hello': 'hello\n' }, { 'usr/share/big': randomBytes(300_000) }] });
    const ref = `${repo('rt')}:v1`;
    const events: ProgressEvent[] = [];
    const res = await write(ref, { kind: 'image', image: m.image }, { progress: (e) => events.push(e) });
    expect(res.digest).toBe(await m.image.digest());
    expect(res.stats.uploaded).toBe(3);
    const last = events[events.length - 1];
    expect(last).toMatchObject({ phase: 'upload', unit: 'bytes' });
    expect(last.done).toBe(last.total);
    expect(last.total).toBe(res.stats.uploadedBytes);
    expect(res.stats.uploadedBytes).toBe([...m.blobs.values()].reduce((n, b) => n + b.length, 0));

    const back = await imageOf(await read(ref));
    await assertValidImage(back);
    expect(await back.digest()).toBe(await m.image.digest());
    expect(await back.configName()).toBe(await m.image.configName());
    expect((await back.configFile()).rootfs.diff_ids).toEqual(m.diffIds);
    expect(await Promise.all((await back.layers()).map((l) => l.diffId()))).toEqual(m.diffIds);
    expect((await back.rawConfigFile()).equals(await m.image.rawConfigFile())).toBe(true);

    // An independent client agrees.
    const sk = skopeoInspect(ref);
    expect(sk.Digest).toBe(res.digest);
    expect(sk.Layers).toEqual((await m.image.manifest()).layers.map((l) => l.digest));

    // Reading by digest verifies and works too.
    const byDigest = await read(`${ref.replace(/:v1$/, '')}@${res.digest}`);
    expect(await (await imageOf(byDigest)).digest()).toBe(res.digest);
  });

  it.each([
    ['OCI index', false],
    ['Docker manifest list', true],
  ])('round-trips a 2-platform %s with the index put last', async (_name, docker) => {
    const amd = await memoryImage({ layers: [{ 'bin/app': 'amd64 binary' }], platform: { os: 'linux', architecture: 'amd64' }, docker });
    const arm = await memoryImage({ layers: [{ 'bin/app': 'arm64 binary' }], platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, docker });
    const index = await memoryIndex(
      [
        { image: amd.image, platform: { os: 'linux', architecture: 'amd64' } },
        { image: arm.image, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      ],
      docker,
    );
    const ref = `${repo('idx')}:multi`;
    const { log, lines } = recorder();
    const res = await write(ref, { kind: 'index', index }, { log });
    expect(res.digest).toBe(await index.digest());
    expect(res.stats.manifests).toBe(3);
    const puts = lines.filter((l) => /PUT .*\/manifests\//.test(l));
    expect(puts).toHaveLength(3);
    expect(puts[2]).toContain('/manifests/multi');

    const back = await read(ref);
    expect(back.kind).toBe('index');
    await assertValid(back);
    if (back.kind !== 'index') return;
    expect(await back.index.mediaType()).toBe(docker ? MediaType.DOCKER_MANIFEST_LIST : MediaType.OCI_INDEX);
    const im = await back.index.indexManifest();
    expect(im.manifests.map((d) => `${d.platform?.os}/${d.platform?.architecture}`)).toEqual(['linux/amd64', 'linux/arm64']);
    const armBack = await back.index.image(im.manifests[1].digest);
    expect((await armBack.configFile()).architecture).toBe('arm64');
    expect((await armBack.configFile()).rootfs.diff_ids).toEqual(arm.diffIds);

    const raw = skopeoInspect(ref, true);
    expect(raw.manifests).toHaveLength(2);
  });

  it('uploads nothing when the registry already has every blob', async () => {
    const m = await memoryImage({ layers: [{ a: 'one' }, { b: 'two' }], docker: true });
    const r1 = `${repo('again')}:first`;
    await write(r1, { kind: 'image', image: m.image });
    // Same repository, new tag: the manifest exists, no blob moves.
    const events: ProgressEvent[] = [];
    const { log, lines } = recorder();
    const again = await write(r1.replace(':first', ':second'), { kind: 'image', image: m.image }, { log, progress: (e) => events.push(e) });
    expect(again.stats.uploaded).toBe(0);
    expect(again.stats.uploadedBytes).toBe(0);
    expect(lines.filter((l) => /blobs\/uploads/.test(l))).toEqual([]);
    expect(events.every((e) => e.done === 0)).toBe(true);
    expect(skopeoInspect(r1.replace(':first', ':second')).Digest).toBe(again.digest);

    // A new image over the same layers: only its config moves.
    const m2 = await appendLayer(m.image, {}); // shares both layers
    const r2 = await write(r1.replace(':first', ':third'), { kind: 'image', image: m2 });
    expect(r2.stats.existing).toBe(2);
    expect(r2.stats.uploaded).toBe(2); // the new layer and the new config
  });

  it('mounts blobs across repositories and never downloads them (registry-to-registry)', async () => {
    const base = await memoryImage({ layers: [{ 'base/a': randomBytes(200_000) }, { 'base/b': 'b' }] });
    const src = `${repo('src')}:base`;
    await write(src, { kind: 'image', image: base.image });

    const { log, lines } = recorder();
    const fromRegistry = await imageOf(await read(src, { log }));
    expect(registrySourceOf((await fromRegistry.layers())[0])?.repository).toBe(src.slice(REG.length + 1).replace(/:base$/, ''));
    const instrumented = await appendLayer(fromRegistry, { 'opt/_instrumented/creach-sensor': 'sensor' });
    const mark = lines.length;
    const dst = `${repo('dst')}:base-instrumented`;
    const res = await write(dst, { kind: 'image', image: instrumented }, { log });
    const during = lines.slice(mark);
    expect(res.stats.mounted).toBe(2);
    expect(res.stats.uploaded).toBe(2); // new layer + new config
    expect(during.filter((l) => /GET .*\/blobs\//.test(l))).toEqual([]);
    expect(during.filter((l) => /mount=/.test(l))).toHaveLength(2);

    const back = await imageOf(await read(dst));
    await assertValidImage(back);
    expect((await back.configFile()).rootfs.diff_ids).toEqual([...base.diffIds, (await instrumented.configFile()).rootfs.diff_ids[2]]);

    // With plain (unmarked) layers, sourceRef names where to mount from.
    const plain = await memoryImage({ layers: [{ 'x/y': 'z' }] });
    const a = `${repo('plainsrc')}:v`;
    await write(a, { kind: 'image', image: plain.image });
    const viaRef = await write(`${repo('plaindst')}:v`, { kind: 'image', image: plain.image }, { sourceRef: a });
    expect(viaRef.stats.mounted).toBe(2);
    expect(viaRef.stats.uploaded).toBe(0);
  });

  it('copies between two registries by streaming every blob (nothing to mount from)', async () => {
    const other = await startRegistry();
    try {
      const m = await memoryImage({ layers: [{ a: randomBytes(100_000) }, { b: 'b' }] });
      const src = `${repo('copy')}:v`;
      await write(src, { kind: 'image', image: m.image });
      const fromA = await read(src);
      const res = await write(`${other.host}/creach-test/copied:v`, fromA, { sourceRef: src });
      expect(res.stats).toMatchObject({ uploaded: 3, mounted: 0, existing: 0 });
      const back = await read(`${other.host}/creach-test/copied:v`);
      await assertValid(back);
      expect(back.kind === 'image' && (await back.image.digest())).toBe(await m.image.digest());
    } finally {
      await other.stop();
    }
  });

  it('stops with ABORTED when the signal is aborted', async () => {
    const m = await memoryImage({ layers: [{ a: 'b' }] });
    const ac = new AbortController();
    ac.abort();
    await expect(write(`${repo('abort')}:v`, { kind: 'image', image: m.image }, { signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('copies index entries that are not images (artifacts) as raw manifests with their blobs', async () => {
    // Set up, with plain HTTP calls to the registry: an artifact manifest (empty config, one blob).
    const name = repo('artifact').slice(REG.length + 1);
    const putBlob = async (b: Buffer) => {
      const start = await fetch(`http://${REG}/v2/${name}/blobs/uploads/`, { method: 'POST' });
      const loc = new URL(start.headers.get('location') as string, `http://${REG}/`);
      loc.searchParams.set('digest', sha256(b));
      const put = await fetch(loc, { method: 'PUT', body: b, headers: { 'content-type': 'application/octet-stream' } });
      expect(put.status).toBe(201);
    };
    const empty = Buffer.from('{}');
    const sbom = Buffer.from(JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'creach-test' }));
    await putBlob(empty);
    await putBlob(sbom);
    const artifact = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OCI_MANIFEST,
        artifactType: 'application/spdx+json',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: empty.length },
        layers: [{ mediaType: 'application/spdx+json', digest: sha256(sbom), size: sbom.length }],
      }),
    );
    const putArt = await fetch(`http://${REG}/v2/${name}/manifests/${sha256(artifact)}`, { method: 'PUT', body: artifact, headers: { 'content-type': MediaType.OCI_MANIFEST } });
    expect(putArt.status).toBe(201);
    const img = await memoryImage({ layers: [{ app: 'x' }] });
    await write(`${REG}/${name}@${await img.image.digest()}`, { kind: 'image', image: img.image });
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OCI_INDEX,
        manifests: [
          { mediaType: MediaType.OCI_MANIFEST, digest: await img.image.digest(), size: (await img.image.rawManifest()).length, platform: { os: 'linux', architecture: 'amd64' } },
          { mediaType: MediaType.OCI_MANIFEST, digest: sha256(artifact), size: artifact.length, artifactType: 'application/spdx+json' },
        ],
      }),
    );
    const putIdx = await fetch(`http://${REG}/v2/${name}/manifests/v1`, { method: 'PUT', body: index, headers: { 'content-type': MediaType.OCI_INDEX } });
    expect(putIdx.status).toBe(201);

    const src = await read(`${REG}/${name}:v1`);
    const dst = `${repo('artifact-copy')}:v1`;
    const res = await write(dst, src);
    expect(res.digest).toBe(sha256(index));
    expect(res.stats.mounted).toBe(4); // image config + layer, artifact config + blob
    const raw = skopeoInspect(dst, true);
    expect(raw.manifests.map((d: { digest: string }) => d.digest)).toEqual([await img.image.digest(), sha256(artifact)]);
    const art = execFileSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${dst.replace(/:v1$/, '')}@${sha256(artifact)}`]);
    expect(art.equals(artifact)).toBe(true);
  });

  it('names a missing image with IMAGE_NOT_FOUND', async () => {
    const ref = `${repo('missing')}:nope`;
    await expect(read(ref)).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
    await expect(read(ref)).rejects.toThrow(ref.replace(`${REG}/`, ''));
  });

  it('reports REGISTRY_UNREACHABLE when nothing listens', async () => {
    const port = await freePort();
    const err = await read(`127.0.0.1:${port}/creach-test/x:y`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CreachError);
    expect((err as CreachError).code).toBe('REGISTRY_UNREACHABLE');
    expect((err as CreachError).message).toContain(`127.0.0.1:${port}`);
    const m = await memoryImage({ layers: [{ a: 'b' }] });
    await expect(write(`127.0.0.1:${port}/creach-test/x:y`, { kind: 'image', image: m.image })).rejects.toMatchObject({ code: 'REGISTRY_UNREACHABLE' });
  });

  it('a layer stream that fails mid-upload surfaces the layer error, not a network error', async () => {
    const m = await memoryImage({ layers: [{ a: randomBytes(50_000) }] });
    const real = (await m.image.layers())[0];
    const broken: Layer = {
      digest: () => real.digest(),
      diffId: () => real.diffId(),
      size: () => real.size(),
      mediaType: () => real.mediaType(),
      compression: () => real.compression(),
      uncompressed: () => real.uncompressed(),
      compressed: async () =>
        Readable.from(
          (async function* () {
            yield Buffer.alloc(1000);
            throw new CreachError('TAR_TRUNCATED', 'layer file ends early');
          })(),
        ),
    };
    const img: Image = { ...m.image, layers: async () => [broken] };
    await expect(write(`${repo('broken')}:v`, { kind: 'image', image: img })).rejects.toMatchObject({ code: 'TAR_TRUNCATED' });
    // A layer whose size is wrong is named too.
    const short: Layer = { ...broken, compressed: async () => Readable.from([Buffer.alloc(10)]) };
    await expect(write(`${repo('short')}:v`, { kind: 'image', image: { ...m.image, layers: async () => [short] } })).rejects.toMatchObject({ code: 'LAYER_FORMAT' });
  });

  it('refuses a bad blob with the registry diagnostics (REGISTRY_ERROR)', async () => {
    // A layer whose bytes do not match its digest: the registry rejects the upload.
    const m = await memoryImage({ layers: [{ a: 'b' }] });
    const layers = await m.image.layers();
    const real = layers[0];
    const liar: Layer = {
      digest: () => real.digest(),
      diffId: () => real.diffId(),
      size: () => real.size(),
      mediaType: () => real.mediaType(),
      compression: () => real.compression(),
      uncompressed: () => real.uncompressed(),
      compressed: async () => Readable.from([Buffer.alloc(await real.size(), 7)]),
    };
    const img: Image = { ...m.image, layers: async () => [liar] };
    const err = await write(`${repo('bad')}:v`, { kind: 'image', image: img }).catch((e: unknown) => e);
    expect((err as CreachError).code).toBe('REGISTRY_ERROR');
    expect((err as { status?: number }).status).toBe(400);
    expect((err as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code)).toContain('DIGEST_INVALID');
  });
});
