// Sink: a tar that both `docker load` (classic and containerd image store) and OCI tools read:
// an OCI layout plus manifest.json and repositories, the shape Docker 25+ `docker save` writes.
// Legacy loaders read manifest.json (and accept compressed layer files); containerd and skopeo
// read index.json. The same byte stream feeds the engine's /images/load.
import { arch } from 'node:os';
import { atomicWriteStream } from '../../atomic-write.js';
import type { OpContext } from '../../log.js';
import type { ImageOrIndex, Platform } from '../image.js';
import { planLayout } from '../oci-layout/write.js';
import { tarStream, type TarSource } from '../tar/writer.js';

export interface ArchiveWriteOptions extends OpContext {
  /** Full reference to tag the image with on load (repo:tag). */
  name?: string;
  /** For an index: which platform manifest.json names (legacy loaders take one image per tag). */
  platform?: Platform;
  phase?: string;
}

export function hostPlatform(): Platform {
  const a = arch();
  return { os: 'linux', architecture: a === 'x64' ? 'amd64' : a === 'arm64' ? 'arm64' : a };
}

function repoAndTag(name: string): [string, string] {
  const at = name.split('@')[0];
  const m = /^(.*):([\w][\w.-]{0,127})$/.exec(at);
  if (m && !m[2].includes('/')) return [m[1], m[2]];
  return [at, 'latest'];
}

/** Every entry of the archive, bodies lazy. */
export async function archiveEntries(src: ImageOrIndex, opts: ArchiveWriteOptions = {}): Promise<{ entries: TarSource[]; totalBytes: number }> {
  const plan = await planLayout(src, opts);
  const want = opts.platform ?? hostPlatform();
  let chosen = plan.images[0];
  if (plan.images.length > 1) {
    chosen =
      plan.images.find((i) => i.platform?.os === want.os && i.platform?.architecture === want.architecture) ??
      plan.images.find((i) => i.platform && i.platform.architecture !== 'unknown') ??
      plan.images[0];
  }
  const tags = opts.name ? [opts.name.includes(':') && !/:\d+\/[^:]*$/.test(opts.name) ? opts.name : `${opts.name}:latest`] : null;
  const manifestJson = [{ Config: chosen.config, RepoTags: tags, Layers: chosen.layers }];
  const entries = [...plan.entries, { name: 'manifest.json', body: Buffer.from(JSON.stringify(manifestJson)) }];
  if (opts.name && chosen.layers.length) {
    const [repo, tag] = repoAndTag(opts.name);
    const top = chosen.layers[chosen.layers.length - 1].split('/').pop()!;
    entries.push({ name: 'repositories', body: Buffer.from(JSON.stringify({ [repo]: { [tag]: top } })) });
  }
  return { entries, totalBytes: plan.totalBytes };
}

/** The archive as a stream of buffers (for /images/load). */
export async function stream(src: ImageOrIndex, opts: ArchiveWriteOptions = {}): Promise<{ body: AsyncGenerator<Buffer>; totalBytes: number }> {
  const { entries, totalBytes } = await archiveEntries(src, opts);
  return { body: tarStream(entries, opts.signal), totalBytes };
}

/** Write the archive to `path` atomically (nothing is left behind on error). */
export async function write(path: string, src: ImageOrIndex, opts: ArchiveWriteOptions = {}): Promise<void> {
  const { body } = await stream(src, opts);
  await atomicWriteStream(path, body, opts.signal);
}
