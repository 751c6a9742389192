// Source: a `docker save` tar. Two layouts exist: the legacy one (manifest.json, <id>/layer.tar,
// <config>.json; Docker before 25) and the one Docker 25+ writes (an OCI layout plus
// manifest.json). The tar is indexed by headers only; layers are read by offset from the file,
// never extracted, and expose where they lie (`file`) so readers can seek over bodies.
import { posix } from 'node:path';
import { CreachError } from '../../errors.js';
import { compressionOfBytes } from '../compression.js';
import { sha256, sha256Stream } from '../digest.js';
import type { Image, ImageOrIndex, Manifest } from '../image.js';
import { MediaType } from '../image.js';
import { imageFromCore } from '../partial.js';
import { readLayoutFiles } from '../oci-layout/read.js';
import { tarFiles, type ArchiveFiles } from '../oci-layout/store.js';

export interface ArchiveManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

export interface ArchiveReadResult {
  image: ImageOrIndex;
  /** Repository tags the archive records for the chosen image. */
  names: string[];
}

function matches(tags: string[] | null | undefined, name: string): boolean {
  if (!tags) return false;
  const withTag = /:[^/]+$/.test(name) ? name : `${name}:latest`;
  return tags.includes(name) || tags.includes(withTag);
}

async function parseManifestJson(files: ArchiveFiles): Promise<ArchiveManifestEntry[]> {
  let entries: unknown;
  try {
    entries = JSON.parse((await files.read('manifest.json')).toString('utf8'));
  } catch (e) {
    throw new CreachError('TAR_NOT_IMAGE', `${files.where}: manifest.json is not valid JSON`, { cause: e, hint: 'export the image again with `docker save`' });
  }
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new CreachError('TAR_NOT_IMAGE', `${files.where}: manifest.json lists no image`, { hint: 'export the image again with `docker save`' });
  }
  return entries as ArchiveManifestEntry[];
}

async function firstBytes(files: ArchiveFiles, path: string): Promise<Buffer> {
  const s = await files.open(path);
  try {
    for await (const c of s) return (c as Buffer).subarray(0, 4);
    return Buffer.alloc(0);
  } finally {
    s.destroy();
  }
}

async function legacyImage(files: ArchiveFiles, entry: ArchiveManifestEntry): Promise<Image> {
  const rawConfig = await files.read(entry.Config);
  let diffIds: string[];
  try {
    diffIds = (JSON.parse(rawConfig.toString('utf8')) as { rootfs?: { diff_ids?: string[] } }).rootfs?.diff_ids ?? [];
  } catch (e) {
    throw new CreachError('IMAGE_FORMAT', `${files.where}: ${entry.Config} is not valid JSON`, { cause: e });
  }
  if (diffIds.length !== entry.Layers.length) {
    throw new CreachError('IMAGE_FORMAT', `${files.where}: config lists ${diffIds.length} layers but manifest.json lists ${entry.Layers.length}`, {
      hint: 'the archive is inconsistent; export it again',
    });
  }
  // Docker stores layers uncompressed: the blob digest is the diffID and the bytes can be
  // sought in place. Other writers may store them compressed; those are hashed once here.
  const paths = new Map<string, string>();
  const uncompressed = new Set<string>();
  const layers = [];
  for (let i = 0; i < entry.Layers.length; i++) {
    const p = posix.normalize(entry.Layers[i]);
    if (!files.has(p)) throw new CreachError('TAR_TRUNCATED', `${files.where}: layer ${i + 1} (${p}) is missing`, { hint: 'the archive is incomplete; export it again' });
    const head = await firstBytes(files, p);
    const compression = compressionOfBytes(head);
    if (compression === 'none') {
      paths.set(diffIds[i], p);
      uncompressed.add(diffIds[i]);
      layers.push({ mediaType: MediaType.OCI_LAYER, digest: diffIds[i], size: await files.size(p) });
    } else {
      const { digest, size } = await sha256Stream(await files.open(p));
      paths.set(digest, p);
      layers.push({ mediaType: compression === 'gzip' ? MediaType.OCI_LAYER_GZIP : MediaType.OCI_LAYER_ZSTD, digest, size });
    }
  }
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OCI_MANIFEST,
    config: { mediaType: MediaType.OCI_CONFIG, digest: sha256(rawConfig), size: rawConfig.length },
    layers,
  };
  const rawManifest = Buffer.from(JSON.stringify(manifest));
  return imageFromCore({
    rawManifest: async () => rawManifest,
    rawConfigFile: async () => rawConfig,
    blob: (digest) => {
      const p = paths.get(digest);
      if (p) return files.open(p);
      throw new CreachError('IMAGE_FORMAT', `${files.where}: no blob ${digest}`);
    },
    layerFile: async (digest) => {
      const p = paths.get(digest);
      return p && uncompressed.has(digest) ? files.location(p) : undefined;
    },
  });
}

/** Read a `docker save` tar; `name` (repo:tag) picks one image when it holds several. */
export async function read(path: string, opts: { name?: string } = {}): Promise<ArchiveReadResult> {
  const files = await tarFiles(path);
  if (files.has('index.json') && files.has('oci-layout')) {
    // Docker 25+: an OCI layout; manifest.json is only for older loaders.
    const tags = files.has('manifest.json') ? (await parseManifestJson(files)).flatMap((e) => e.RepoTags ?? []) : [];
    let name = opts.name;
    if (name && tags.length && matches(tags, name)) name = undefined; // names live in manifest.json, not in annotations
    const r = await readLayoutFiles(files, name);
    // manifest.json carries full repo:tag names; the layout's ref.name is often only the tag.
    return { image: r.image, names: opts.name ? [opts.name] : tags.length ? tags : r.names };
  }
  if (!files.has('manifest.json')) {
    throw new CreachError('TAR_NOT_IMAGE', `${path} is a tar but not a container image (no manifest.json or index.json)`, {
      hint: 'pass a `docker save` tar, an OCI layout (directory or tar), or an image reference',
    });
  }
  const entries = await parseManifestJson(files);
  let entry = entries[0];
  if (opts.name) {
    const hit = entries.find((e) => matches(e.RepoTags, opts.name!));
    if (!hit) throw new CreachError('IMAGE_NOT_FOUND', `${path} has no image tagged ${opts.name}`, { hint: `tags in it: ${entries.flatMap((e) => e.RepoTags ?? []).join(', ') || 'none'}` });
    entry = hit;
  }
  return { image: { kind: 'image', image: await legacyImage(files, entry) }, names: entry.RepoTags ?? [] };
}
