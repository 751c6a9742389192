// Sink: an OCI image layout, as a directory or a tar (oci-archive). The entries are produced
// once here and reused by the docker-archive sink and by the engine's /images/load, so every
// tar creach writes has the same shape. Unchanged layers are copied as stored, never recompressed.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { atomicWriteStream } from '../../atomic-write.js';
import { CreachError, errnoCode } from '../../errors.js';
import type { OpContext } from '../../log.js';
import type { Descriptor, Image, ImageIndex, ImageOrIndex, IndexManifest } from '../image.js';
import { isIndexMediaType, MediaType } from '../image.js';
import { tarStream, type TarSource } from '../tar/writer.js';
import { blobPath, CONTAINERD_NAME, REF_NAME } from './read.js';

export interface LayoutWriteOptions extends OpContext {
  /** Full reference to record (repo:tag); its tag becomes the ref.name annotation. */
  name?: string;
  /** Progress phase label. */
  phase?: string;
}

export interface LayoutPlan {
  entries: TarSource[];
  /** Top-level descriptor (what index.json points at). */
  top: Descriptor;
  totalBytes: number;
  /** Each image written, with its config/layer blob paths (for manifest.json). */
  images: { image: Image; platform?: Descriptor['platform']; config: string; layers: string[] }[];
}

const OCI_LAYOUT = Buffer.from('{"imageLayoutVersion":"1.0.0"}');

/** The tag part of a reference, if it names one. */
export function tagOf(ref: string): string | undefined {
  const m = /:([\w][\w.-]{0,127})$/.exec(ref.split('@')[0]);
  return m && !m[1].includes('/') ? m[1] : undefined;
}

function hasDomain(ref: string): boolean {
  const first = ref.split('/')[0];
  return ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
}

/** Plan every blob and metadata file of the layout; blob bodies stay lazy (opened when written). */
export async function planLayout(src: ImageOrIndex, opts: LayoutWriteOptions = {}): Promise<LayoutPlan> {
  const entries: TarSource[] = [{ name: 'oci-layout', body: OCI_LAYOUT }];
  const seen = new Set<string>();
  const images: LayoutPlan['images'] = [];
  let totalBytes = 0;
  let done = 0;
  const phase = opts.phase ?? 'writing image';
  const onChunk = (n: number) => {
    done += n;
    opts.progress?.({ phase, done, total: totalBytes, unit: 'bytes' });
  };
  const addBuffer = (digest: string, body: Buffer) => {
    if (seen.has(digest)) return;
    seen.add(digest);
    entries.push({ name: blobPath(digest), body });
  };
  const addImage = async (image: Image, platform?: Descriptor['platform']) => {
    const manifest = await image.manifest();
    const layers = await image.layers();
    const layerPaths: string[] = [];
    for (const layer of layers) {
      const digest = await layer.digest();
      layerPaths.push(blobPath(digest));
      if (seen.has(digest)) continue;
      seen.add(digest);
      const size = await layer.size();
      totalBytes += size;
      entries.push({ name: blobPath(digest), size, body: () => layer.compressed(), onChunk });
    }
    addBuffer(manifest.config.digest, await image.rawConfigFile());
    addBuffer(await image.digest(), await image.rawManifest());
    images.push({ image, platform, config: blobPath(manifest.config.digest), layers: layerPaths });
  };
  const addIndex = async (index: ImageIndex) => {
    const im: IndexManifest = await index.indexManifest();
    for (const d of im.manifests) {
      if (isIndexMediaType(d.mediaType)) await addIndex(await index.imageIndex(d.digest));
      else await addImage(await index.image(d.digest), d.platform);
    }
    addBuffer(await index.digest(), await index.rawManifest());
  };
  let top: Descriptor;
  if (src.kind === 'image') {
    await addImage(src.image);
    const raw = await src.image.rawManifest();
    top = { mediaType: await src.image.mediaType(), digest: await src.image.digest(), size: raw.length };
  } else {
    await addIndex(src.index);
    const raw = await src.index.rawManifest();
    top = { mediaType: await src.index.mediaType(), digest: await src.index.digest(), size: raw.length };
  }
  if (opts.name) {
    const annotations: Record<string, string> = {};
    // containerd wants a fully qualified name; a short name is only recorded as the tag, and
    // Docker takes the full name from manifest.json's RepoTags.
    if (hasDomain(opts.name)) annotations[CONTAINERD_NAME] = opts.name;
    const tag = tagOf(opts.name);
    if (tag) annotations[REF_NAME] = tag;
    top = { ...top, annotations };
  }
  const index: IndexManifest = { schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests: [top] };
  entries.push({ name: 'index.json', body: Buffer.from(JSON.stringify(index)) });
  opts.progress?.({ phase, done: 0, total: totalBytes, unit: 'bytes' });
  return { entries, top, totalBytes, images };
}

/** Write an OCI layout tar (oci-archive) atomically. */
export async function writeTar(path: string, src: ImageOrIndex, opts: LayoutWriteOptions = {}): Promise<void> {
  const plan = await planLayout(src, opts);
  await atomicWriteStream(path, tarStream(plan.entries, opts.signal), opts.signal);
}

async function isReplaceableDir(dir: string): Promise<boolean> {
  try {
    if (!(await stat(dir)).isDirectory()) return false;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return true;
    throw e;
  }
  const names = await readdir(dir);
  return names.length === 0 || names.includes('oci-layout');
}

/** Write an OCI layout directory: built beside the target, then renamed into place. */
export async function writeDir(dir: string, src: ImageOrIndex, opts: LayoutWriteOptions = {}): Promise<void> {
  if (!(await isReplaceableDir(dir))) {
    throw new CreachError('OUTPUT_WRITE', `${dir} exists and is not an OCI layout`, { hint: 'choose a new or empty directory' });
  }
  const plan = await planLayout(src, opts);
  const tmp = join(dirname(dir), `.${basename(dir)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(join(tmp, 'blobs', 'sha256'), { recursive: true });
    for (const e of plan.entries) {
      opts.signal?.throwIfAborted();
      const target = join(tmp, e.name);
      if (e.body instanceof Buffer) await writeFile(target, e.body);
      else if (typeof e.body === 'function') {
        const s = await e.body();
        let n = 0;
        s.on('data', (c: Buffer) => {
          n += c.length;
          e.onChunk?.(c.length);
        });
        await pipeline(s, createWriteStream(target), { signal: opts.signal });
        if (n !== e.size) throw new CreachError('IMAGE_FORMAT', `${e.name}: expected ${e.size} bytes but the source gave ${n}`);
      }
    }
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (e instanceof CreachError) throw e;
    throw new CreachError('OUTPUT_WRITE', `cannot write ${dir}: ${(e as Error).message}`, { cause: e, hint: 'choose a directory you can write to' });
  }
}

export async function write(path: string, src: ImageOrIndex, opts: LayoutWriteOptions & { format?: 'dir' | 'tar' } = {}): Promise<void> {
  if ((opts.format ?? 'dir') === 'dir') await writeDir(path, src, opts);
  else await writeTar(path, src, opts);
}
