// Source: an OCI image layout, as a directory (`oci:DIR`) or a tar of one (`oci-archive:FILE`,
// also what Docker 25+ `docker save` writes). Blobs are opened lazily from disk; an
// uncompressed layer inside a tar exposes where it lies so readers can seek over file bodies.
import { stat } from 'node:fs/promises';
import { CreachError, errnoCode } from '../../errors.js';
import { compressionOfMediaType } from '../compression.js';
import { digestHex } from '../digest.js';
import type { Descriptor, Image, ImageIndex, ImageOrIndex, IndexManifest } from '../image.js';
import { isIndexMediaType } from '../image.js';
import { imageFromCore, indexFromCore } from '../partial.js';
import { dirFiles, tarFiles, type ArchiveFiles } from './store.js';

export const REF_NAME = 'org.opencontainers.image.ref.name';
export const CONTAINERD_NAME = 'io.containerd.image.name';

export interface LayoutReadResult {
  image: ImageOrIndex;
  /** Names the layout gives the chosen entry (ref.name / containerd names). */
  names: string[];
}

export function blobPath(digest: string): string {
  return `blobs/sha256/${digestHex(digest)}`;
}

function parseJson<T>(raw: Buffer, what: string, where: string): T {
  try {
    return JSON.parse(raw.toString('utf8')) as T;
  } catch (e) {
    throw new CreachError('IMAGE_FORMAT', `${where}: ${what} is not valid JSON`, { cause: e, hint: 'the layout is corrupt; export it again' });
  }
}

export async function imageFromFiles(files: ArchiveFiles, manifestDigest: string, rawManifest?: Buffer): Promise<Image> {
  const raw = rawManifest ?? (await files.read(blobPath(manifestDigest)));
  const manifest = parseJson<{ config?: Descriptor; layers?: Descriptor[] }>(raw, `manifest ${manifestDigest}`, files.where);
  if (!manifest.config) throw new CreachError('IMAGE_FORMAT', `${files.where}: manifest ${manifestDigest} has no config`);
  const layerTypes = new Map((manifest.layers ?? []).map((l) => [l.digest, l.mediaType]));
  return imageFromCore({
    rawManifest: async () => raw,
    rawConfigFile: () => files.read(blobPath(manifest.config!.digest)),
    blob: (digest) => files.open(blobPath(digest)),
    layerFile: async (digest) => {
      const mt = layerTypes.get(digest);
      if (!mt || compressionOfMediaType(mt) !== 'none') return undefined;
      return files.location(blobPath(digest));
    },
  });
}

export async function indexFromFiles(files: ArchiveFiles, raw: Buffer): Promise<ImageIndex> {
  return indexFromCore({
    rawManifest: async () => raw,
    child: (digest) => files.read(blobPath(digest)),
    childImage: (digest, rawChild) => imageFromFiles(files, digest, rawChild),
  });
}

/** Pick the top-level entry of index.json named `name` (a tag or full reference), or the only one. */
function choose(index: IndexManifest, where: string, name?: string): Descriptor[] {
  const ms = index.manifests ?? [];
  if (ms.length === 0) throw new CreachError('TAR_NOT_IMAGE', `${where} holds no image (index.json lists nothing)`, { hint: 'export the image again' });
  if (name) {
    const hit = ms.filter((d) => {
      const a = d.annotations ?? {};
      const n = a[REF_NAME];
      const c = a[CONTAINERD_NAME];
      return n === name || c === name || (c !== undefined && (c.endsWith(`/${name}`) || c.endsWith(`/library/${name}`))) || (name.includes(':') && n === name.split(':').pop() && c === undefined);
    });
    if (hit.length === 0) {
      throw new CreachError('IMAGE_NOT_FOUND', `${where} has no image named ${name}`, { hint: `names in it: ${ms.map((d) => d.annotations?.[CONTAINERD_NAME] ?? d.annotations?.[REF_NAME] ?? d.digest).join(', ')}` });
    }
    return [hit[0]];
  }
  return ms;
}

export async function readLayoutFiles(files: ArchiveFiles, name?: string): Promise<LayoutReadResult> {
  if (!files.has('index.json')) {
    throw new CreachError('TAR_NOT_IMAGE', `${files.where} is not an OCI image layout (no index.json)`, { hint: 'pass an OCI layout directory or tar, or a `docker save` tar' });
  }
  const rawIndex = await files.read('index.json');
  const index = parseJson<IndexManifest>(rawIndex, 'index.json', files.where);
  const chosen = choose(index, files.where, name);
  const names = (d: Descriptor) => [d.annotations?.[CONTAINERD_NAME], d.annotations?.[REF_NAME]].filter((x): x is string => Boolean(x));
  if (chosen.length === 1 || !chosen.every((d) => d.platform)) {
    const d = chosen[0];
    if (isIndexMediaType(d.mediaType)) {
      return { image: { kind: 'index', index: await indexFromFiles(files, await files.read(blobPath(d.digest))) }, names: names(d) };
    }
    return { image: { kind: 'image', image: await imageFromFiles(files, d.digest) }, names: names(d) };
  }
  // index.json itself lists platform manifests: treat it as the image index.
  return { image: { kind: 'index', index: await indexFromFiles(files, rawIndex) }, names: [] };
}

/** Read an OCI layout directory or tar; `name` picks one of several tagged entries. */
export async function read(path: string, opts: { name?: string } = {}): Promise<LayoutReadResult> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw new CreachError('IMAGE_NOT_FOUND', `${path} does not exist`, { hint: 'check the path' });
    throw e;
  }
  const files = isDir ? dirFiles(path) : await tarFiles(path);
  return readLayoutFiles(files, opts.name);
}
