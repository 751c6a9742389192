// Rewrite a legacy `docker save` stream in one pass, as it flows: every entry is passed through
// byte for byte, except manifest.json and repositories, which are replaced at the end; layer
// tars are only watched (their headers listed) on the way. After the last entry the caller's
// change turns the base image (metadata plus listed layers) into a new one, and the layers it
// added plus its config and manifest.json are appended. This is what lets an engine-to-engine
// instrument cost about one `docker save | docker load`.
import { posix } from 'node:path';
import { CreachError } from '../../errors.js';
import { sha256 } from '../digest.js';
import type { Image, Layer, Manifest } from '../image.js';
import { MediaType } from '../image.js';
import type { LayerEntry, ListedLayer } from '../layer-entries.js';
import type { OpContext } from '../../log.js';
import { cleanName, entryType } from '../tar/header.js';
import { TarFormatError, TarParser, type TarEntry } from '../tar/parser.js';
import { tarStream, type TarSource } from '../tar/writer.js';
import type { ArchiveManifestEntry } from './read.js';

const SMALL = 1 << 20;
const COALESCE = 1 << 20;

interface Seen {
  entry: TarEntry;
  body?: Buffer;
  listing?: LayerEntry[];
  listingFailed?: boolean;
}

function watchLayer(seen: Seen): (chunk: Buffer) => void {
  const listing: LayerEntry[] = [];
  seen.listing = listing;
  const inner = new TarParser({
    entry: (e) => {
      listing.push({ name: cleanName(e.name), type: entryType(e.flag), linkname: e.linkname });
      return {};
    },
  });
  return (chunk) => {
    if (seen.listingFailed || inner.ended) return;
    try {
      inner.push(chunk);
    } catch {
      seen.listingFailed = true; // not a plain tar (e.g. compressed): listed later if ever needed
    }
  };
}

function streamedPast(digest: string): never {
  throw new CreachError('IMAGE_FORMAT', `layer ${digest} was streamed past and cannot be reopened`, { hint: 'this is a bug in creach; please report it' });
}

export interface RewriteResult {
  image: Image;
  /** Full reference to tag the result with. */
  name: string;
}

/**
 * Pass `input` (a legacy docker save tar) through, then append what `change` adds.
 * `where` names the input in messages.
 */
export async function* rewriteLegacyArchive(
  input: AsyncIterable<Buffer>,
  where: string,
  change: (base: Image) => Promise<RewriteResult>,
  opts: OpContext = {},
): AsyncGenerator<Buffer> {
  const seen = new Map<string, Seen>();
  let out: Buffer[] = [];
  const parser = new TarParser({
    raw: (b) => out.push(b),
    entry: (e) => {
      const name = cleanName(e.name);
      const s: Seen = { entry: e };
      seen.set(name, s);
      if (name === 'manifest.json' || name === 'repositories') return { capture: true, done: (b) => (s.body = b) };
      const big = e.size > SMALL;
      return {
        emit: true,
        capture: !big,
        observe: name.endsWith('layer.tar') && e.size > 0 ? watchLayer(s) : undefined,
        done: (b) => (s.body = b),
      };
    },
  });
  // Pieces are coalesced into ~1 MiB writes: far fewer syscalls and wake-ups of the engine
  // reading the other end, which is what a busy machine makes expensive.
  let pendingBytes = 0;
  try {
    for await (const chunk of input) {
      opts.signal?.throwIfAborted();
      parser.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= COALESCE && out.length) {
        const batch = out.length === 1 ? out[0] : Buffer.concat(out);
        out = [];
        pendingBytes = 0;
        yield batch;
      }
    }
    parser.finish();
    if (out.length) yield Buffer.concat(out);
    out = [];
  } catch (e) {
    if (e instanceof TarFormatError) {
      throw new CreachError(e.kind === 'truncated' ? 'TAR_TRUNCATED' : 'TAR_NOT_IMAGE', `${where}: ${e.message}`, { cause: e, hint: 'export the image again' });
    }
    throw e;
  }
  const manifestJson = seen.get('manifest.json')?.body;
  if (!manifestJson) throw new CreachError('TAR_NOT_IMAGE', `${where} has no manifest.json`, { hint: 'export the image again' });
  const entry = (JSON.parse(manifestJson.toString('utf8')) as ArchiveManifestEntry[])[0];
  const rawConfig = seen.get(posix.normalize(entry.Config))?.body;
  if (!rawConfig) throw new CreachError('IMAGE_FORMAT', `${where}: config ${entry.Config} is missing`);
  const config = JSON.parse(rawConfig.toString('utf8')) as { rootfs?: { diff_ids?: string[] } };
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== entry.Layers.length) throw new CreachError('IMAGE_FORMAT', `${where}: config and manifest.json disagree on the layer count`);

  const resolveSeen = (path: string): Seen | undefined => {
    let p = posix.normalize(path);
    for (let i = 0; i < 16; i++) {
      const s = seen.get(p);
      if (!s || entryType(s.entry.flag) !== 'symlink') return s;
      p = posix.normalize(posix.join(posix.dirname(p), s.entry.linkname));
    }
    return undefined;
  };
  const layers: ListedLayer[] = entry.Layers.map((path, i) => {
    const s = resolveSeen(path);
    if (!s) throw new CreachError('TAR_TRUNCATED', `${where}: layer ${i + 1} (${path}) is missing`, { hint: 'export the image again' });
    const diffId = diffIds[i];
    return {
      digest: async () => diffId,
      diffId: async () => diffId,
      size: async () => s.entry.size,
      mediaType: async () => MediaType.OCI_LAYER,
      compression: async () => 'none',
      compressed: async () => streamedPast(diffId),
      uncompressed: async () => streamedPast(diffId),
      entries: async () => {
        if (s.listing && !s.listingFailed) return s.listing;
        if (s.entry.size === 0) return [];
        throw new CreachError('LAYER_FORMAT', `${where}: ${path} is not a plain tar`, { hint: 'export the image again' });
      },
    };
  });
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OCI_MANIFEST,
    config: { mediaType: MediaType.OCI_CONFIG, digest: sha256(rawConfig), size: rawConfig.length },
    layers: await Promise.all(layers.map(async (l) => ({ mediaType: MediaType.OCI_LAYER, digest: await l.digest(), size: await l.size() }))),
  };
  const rawManifest = Buffer.from(JSON.stringify(manifest));
  const base: Image = {
    mediaType: async () => MediaType.OCI_MANIFEST,
    digest: async () => sha256(rawManifest),
    rawManifest: async () => rawManifest,
    manifest: async () => manifest,
    configName: async () => sha256(rawConfig),
    rawConfigFile: async () => rawConfig,
    configFile: async () => JSON.parse(rawConfig.toString('utf8')),
    layers: async () => layers,
    layerByDigest: async (d) => {
      const l = layers.find((_, i) => diffIds[i] === d);
      if (!l) throw new CreachError('IMAGE_FORMAT', `no layer ${d}`);
      return l;
    },
  };
  const result = await change(base);
  const known = new Map(entry.Layers.map((p, i) => [diffIds[i], p]));
  const appended: TarSource[] = [];
  const layerPaths: string[] = [];
  for (const l of (await result.image.layers()) as Layer[]) {
    const digest = await l.digest();
    const p = known.get(digest);
    if (p) {
      layerPaths.push(p);
      continue;
    }
    // Legacy loaders decompress whatever a layer file holds, so the new layer stays gzip'd.
    const path = `${digest.slice('sha256:'.length)}/layer.tar`;
    known.set(digest, path);
    layerPaths.push(path);
    appended.push({ name: path, size: await l.size(), body: () => l.compressed() });
  }
  const newConfig = await result.image.rawConfigFile();
  const configPath = `${sha256(newConfig).slice('sha256:'.length)}.json`;
  appended.push({ name: configPath, body: newConfig });
  const newManifest = [{ Config: configPath, RepoTags: [result.name], Layers: layerPaths }];
  appended.push({ name: 'manifest.json', body: Buffer.from(JSON.stringify(newManifest)) });
  yield* tarStream(appended, opts.signal);
}
