// Derive a full Image from a small core (after go-containerregistry's pkg/v1/partial): a source
// supplies the raw manifest, the raw config and a way to open any blob by digest; the rest
// (parsed forms, digests, layers with both digests, decompression) is computed here once.
import type { Readable } from 'node:stream';
import { CreachError } from '../errors.js';
import { compressionOfBytes, compressionOfMediaType, decompress } from './compression.js';
import { sha256 } from './digest.js';
import type { Compression, ConfigFile, Descriptor, Image, ImageIndex, IndexManifest, Layer, Manifest } from './image.js';
import { MediaType } from './image.js';

/** A layer whose uncompressed tar lies in a file at a known place, so readers can seek over bodies. */
export interface FileBackedLayer extends Layer {
  file?: { path: string; offset: number; length: number };
}

export interface ImageCore {
  rawManifest(): Promise<Buffer>;
  rawConfigFile(): Promise<Buffer>;
  /** Open a blob (a layer as stored) by its digest. May be called any number of times. */
  blob(digest: string): Promise<Readable>;
  /** Optional: where a layer's uncompressed tar lies on disk (docker-archive legacy layout). */
  layerFile?(digest: string): Promise<{ path: string; offset: number; length: number } | undefined>;
}

function parseJson<T>(raw: Buffer, what: string): T {
  try {
    return JSON.parse(raw.toString('utf8')) as T;
  } catch (e) {
    throw new CreachError('IMAGE_FORMAT', `${what} is not valid JSON`, { cause: e, hint: 'the image metadata is malformed; re-export or re-pull the image' });
  }
}

/** Peek at the first bytes of a stream without losing them. */
async function peek(stream: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const { PassThrough } = await import('node:stream');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let len = 0;
    const onData = (c: Buffer) => {
      chunks.push(c);
      len += c.length;
      if (len >= n) finish();
    };
    const finish = () => {
      stream.off('data', onData);
      stream.off('end', finish);
      stream.off('error', reject);
      stream.pause();
      const head = Buffer.concat(chunks);
      const out = new PassThrough();
      out.write(head);
      stream.on('error', (e) => out.destroy(e));
      stream.pipe(out);
      resolve({ head, stream: out });
    };
    stream.on('data', onData);
    stream.once('end', finish);
    stream.once('error', reject);
  });
}

class CoreLayer implements FileBackedLayer {
  file?: { path: string; offset: number; length: number };
  constructor(
    private readonly core: ImageCore,
    private readonly desc: Descriptor,
    private readonly diff: string,
  ) {}
  async digest(): Promise<string> {
    return this.desc.digest;
  }
  async diffId(): Promise<string> {
    return this.diff;
  }
  async size(): Promise<number> {
    return this.desc.size;
  }
  async mediaType(): Promise<string> {
    return this.desc.mediaType;
  }
  async compression(): Promise<Compression> {
    const byType = compressionOfMediaType(this.desc.mediaType);
    if (byType !== 'none') return byType;
    const { head, stream } = await peek(await this.core.blob(this.desc.digest), 4);
    stream.destroy();
    return compressionOfBytes(head);
  }
  async compressed(): Promise<Readable> {
    return this.core.blob(this.desc.digest);
  }
  async uncompressed(): Promise<Readable> {
    const byType = compressionOfMediaType(this.desc.mediaType);
    const raw = await this.core.blob(this.desc.digest);
    if (byType !== 'none') return decompress(raw, byType);
    const { head, stream } = await peek(raw, 4);
    return decompress(stream, compressionOfBytes(head));
  }
}

/** Build an Image from its core. Parsed manifest/config and layers are computed once. */
export async function imageFromCore(core: ImageCore): Promise<Image> {
  const rawManifest = await core.rawManifest();
  const manifest = parseJson<Manifest>(rawManifest, 'image manifest');
  if (!manifest || !Array.isArray(manifest.layers) || !manifest.config) {
    throw new CreachError('IMAGE_FORMAT', 'image manifest has no config or layers', { hint: 'the image metadata is malformed; re-export or re-pull the image' });
  }
  const rawConfig = await core.rawConfigFile();
  const config = parseJson<ConfigFile>(rawConfig, 'image config');
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new CreachError('IMAGE_FORMAT', `image config lists ${diffIds.length} diff_ids but the manifest has ${manifest.layers.length} layers`, {
      hint: 'the image metadata is inconsistent; re-export or re-pull the image',
    });
  }
  const layers: FileBackedLayer[] = [];
  for (let i = 0; i < manifest.layers.length; i++) {
    const l = new CoreLayer(core, manifest.layers[i], diffIds[i]);
    if (core.layerFile) l.file = await core.layerFile(manifest.layers[i].digest);
    layers.push(l);
  }
  return imageFromParts({ mediaType: manifest.mediaType ?? MediaType.OCI_MANIFEST, rawManifest, manifest, rawConfig, config, layers });
}

/** The parts an Image is made of, already parsed; digests are derived from the raw bytes. */
export interface ImageParts {
  mediaType: string;
  rawManifest: Buffer;
  manifest: Manifest;
  rawConfig: Buffer;
  config: ConfigFile;
  layers: Layer[];
}

/** An Image over parts computed once (by a source, or by a mutation). */
export function imageFromParts(p: ImageParts): Image {
  return {
    mediaType: async () => p.mediaType,
    digest: async () => sha256(p.rawManifest),
    rawManifest: async () => p.rawManifest,
    manifest: async () => p.manifest,
    configName: async () => sha256(p.rawConfig),
    rawConfigFile: async () => p.rawConfig,
    configFile: async () => p.config,
    layers: async () => p.layers,
    layerByDigest: async (digest: string) => {
      for (const l of p.layers) if ((await l.digest()) === digest || (await l.diffId()) === digest) return l;
      throw new CreachError('IMAGE_FORMAT', `image has no layer ${digest}`);
    },
  };
}

export interface IndexCore {
  rawManifest(): Promise<Buffer>;
  /** Open a child manifest (image or index) by digest as raw bytes. */
  child(digest: string): Promise<Buffer>;
  /** Build the child image whose raw manifest is given. */
  childImage(digest: string, rawManifest: Buffer): Promise<Image>;
}

export async function indexFromCore(core: IndexCore): Promise<ImageIndex> {
  const raw = await core.rawManifest();
  const index = parseJson<IndexManifest>(raw, 'image index');
  if (!index || !Array.isArray(index.manifests)) {
    throw new CreachError('IMAGE_FORMAT', 'image index has no manifests list', { hint: 'the image metadata is malformed' });
  }
  const self: ImageIndex = {
    mediaType: async () => index.mediaType ?? MediaType.OCI_INDEX,
    digest: async () => sha256(raw),
    rawManifest: async () => raw,
    indexManifest: async () => index,
    image: async (digest: string) => core.childImage(digest, await core.child(digest)),
    imageIndex: async (digest: string) =>
      indexFromCore({ rawManifest: () => core.child(digest), child: core.child, childImage: core.childImage }),
  };
  return self;
}
