// Small real images built in memory for sink/source tests (after go-containerregistry's
// random.Image): each layer is a real tar made with tar-stream, gzip'd with zlib, and the
// image goes through imageFromCore like every source does.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { sha256 } from '../../src/image/digest.js';
import { MediaType, type ConfigFile, type Image, type ImageIndex, type IndexManifest, type Manifest, type Platform } from '../../src/image/image.js';
import { imageFromCore, indexFromCore } from '../../src/image/partial.js';

export type LayerFiles = Record<string, string | Buffer>;

/** A plain tar of `files` (regular files, parents implied). */
export async function tarOf(files: LayerFiles): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const [name, body] of Object.entries(files)) {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name, size: data.length, mode: 0o644, mtime: new Date(0) }, data, (err) => (err ? reject(err) : resolve())),
    );
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

export interface MemoryImageSpec {
  layers: LayerFiles[];
  platform?: Platform;
  /** Docker or OCI media types (default OCI). */
  docker?: boolean;
  labels?: Record<string, string>;
}

export interface MemoryImage {
  image: Image;
  /** The blobs by digest, as pushed. */
  blobs: Map<string, Buffer>;
  diffIds: string[];
}

export async function memoryImage(spec: MemoryImageSpec): Promise<MemoryImage> {
  const platform = spec.platform ?? { os: 'linux', architecture: 'amd64' };
  const blobs = new Map<string, Buffer>();
  const diffIds: string[] = [];
  const layerDescs = [];
  for (const files of spec.layers) {
    const plain = await tarOf(files);
    const gz = gzipSync(plain);
    diffIds.push(sha256(plain));
    blobs.set(sha256(gz), gz);
    layerDescs.push({ mediaType: spec.docker ? MediaType.DOCKER_LAYER_GZIP : MediaType.OCI_LAYER_GZIP, digest: sha256(gz), size: gz.length });
  }
  const config: ConfigFile = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    created: '2024-01-01T00:00:00Z',
    config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/bin/true'], Labels: { ...(spec.labels ?? {}), 'test.nonce': randomBytes(8).toString('hex') } },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: spec.layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `layer ${i}` })),
  };
  const rawConfig = Buffer.from(JSON.stringify(config));
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: spec.docker ? MediaType.DOCKER_MANIFEST : MediaType.OCI_MANIFEST,
    config: { mediaType: spec.docker ? MediaType.DOCKER_CONFIG : MediaType.OCI_CONFIG, digest: sha256(rawConfig), size: rawConfig.length },
    layers: layerDescs,
  };
  const rawManifest = Buffer.from(JSON.stringify(manifest));
  blobs.set(sha256(rawConfig), rawConfig);
  const image = await imageFromCore({
    rawManifest: async () => rawManifest,
    rawConfigFile: async () => rawConfig,
    blob: async (digest: string) => {
      const b = blobs.get(digest);
      if (!b) throw new Error(`no blob ${digest}`);
      return Readable.from([b]);
    },
  });
  return { image, blobs, diffIds };
}

/** An index over the given images, each described with its platform. */
export async function memoryIndex(images: { image: Image; platform: Platform }[], docker = false): Promise<ImageIndex> {
  const byDigest = new Map<string, Image>();
  const manifests = [];
  for (const { image, platform } of images) {
    const raw = await image.rawManifest();
    byDigest.set(await image.digest(), image);
    manifests.push({ mediaType: await image.mediaType(), digest: await image.digest(), size: raw.length, platform });
  }
  const index: IndexManifest = { schemaVersion: 2, mediaType: docker ? MediaType.DOCKER_MANIFEST_LIST : MediaType.OCI_INDEX, manifests };
  const raw = Buffer.from(JSON.stringify(index));
  return indexFromCore({
    rawManifest: async () => raw,
    child: async (digest: string) => {
      const img = byDigest.get(digest);
      if (!img) throw new Error(`no child ${digest}`);
      return img.rawManifest();
    },
    childImage: async (digest: string) => byDigest.get(digest) as Image,
  });
}
