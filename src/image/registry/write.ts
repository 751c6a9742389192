// Push an image or index to a registry (after go-containerregistry's remote.Write). Only what
// the registry lacks moves: a HEAD per blob first, a cross-repository mount when the blob came
// from another repository of the same registry, and a streaming upload (never whole in memory)
// for the rest. Config before manifest; child manifests before the index, which is put last.
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { CreachError } from '../../errors.js';
import type { Progress } from '../../log.js';
import { isIndexMediaType, isManifestMediaType, MediaType, type Descriptor, type Image, type ImageIndex, type ImageOrIndex } from '../image.js';
import { checkDigestForm, fetchManifest, openBlob } from './read.js';
import { formatReference, parseReference, type Reference } from './reference.js';
import type { HttpResponse } from './http-send.js';
import { RegistryError } from './registry-error.js';
import { registrySourceOf, type RegistrySource } from './source.js';
import { pullScope, pushScope, RegistryClient, type RegistryOptions } from './transport.js';

export interface WriteOptions extends RegistryOptions {
  /** Where the image was read from; blobs of the same registry are mounted from its repository. */
  sourceRef?: string;
  /** Parallel blob transfers (default 3). */
  concurrency?: number;
}

export interface WriteStats {
  /** Blobs whose bytes were sent. */
  uploaded: number;
  uploadedBytes: number;
  /** Blobs mounted from another repository of the same registry. */
  mounted: number;
  /** Blobs the registry already had (HEAD said so, or their manifest already existed). */
  existing: number;
  /** Manifests (images and indexes) put. */
  manifests: number;
}

export interface WriteResult {
  /** Digest of the manifest or index that `ref` now names. */
  digest: string;
  stats: WriteStats;
}

interface BlobToPush {
  digest: string;
  size: number;
  open: () => Promise<Readable>;
  source?: RegistrySource;
}

/** The CreachError a failing source stream raised, found below any network-error wrapping. */
function sourceFailure(e: unknown): CreachError | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 6 && cur; i++) {
    if (cur instanceof CreachError && cur.code !== 'REGISTRY_UNREACHABLE') return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]);
    }
  });
  await Promise.all(workers);
}

class Pusher {
  readonly stats: WriteStats = { uploaded: 0, uploadedBytes: 0, mounted: 0, existing: 0, manifests: 0 };
  private done = 0;
  private total = 0;
  private lastEmit = 0;

  constructor(
    private readonly client: RegistryClient,
    private readonly target: Reference,
    private readonly opts: WriteOptions,
    private readonly fallbackSource: RegistrySource | undefined,
  ) {}

  private get progress(): Progress | undefined {
    return this.opts.progress;
  }

  private emit(force = false): void {
    if (!this.progress) return;
    if (!force && this.done - this.lastEmit < 1024 * 1024 && this.done !== this.total) return;
    this.lastEmit = this.done;
    this.progress({ phase: 'upload', done: this.done, total: this.total, unit: 'bytes' });
  }

  private debug(msg: string): void {
    this.opts.log?.debug(`registry: ${msg}`);
  }

  private get repo(): string {
    return this.target.repository;
  }

  async blobExists(digest: string): Promise<boolean> {
    const res = await this.client.request({ method: 'HEAD', path: `/v2/${this.repo}/blobs/${digest}`, scopes: [pushScope(this.repo)] }, this.repo);
    await res.discard();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    // Some registries answer HEAD with a redirect to storage: the blob exists.
    if (res.status >= 300 && res.status < 400) return true;
    return this.client.fail(res, `HEAD blob ${digest}`, this.repo);
  }

  async manifestExists(digest: string): Promise<boolean> {
    const res = await this.client.request(
      { method: 'HEAD', path: `/v2/${this.repo}/manifests/${digest}`, scopes: [pushScope(this.repo)], headers: { accept: `${MediaType.OCI_INDEX}, ${MediaType.DOCKER_MANIFEST_LIST}, ${MediaType.OCI_MANIFEST}, ${MediaType.DOCKER_MANIFEST}` } },
      this.repo,
    );
    await res.discard();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    return this.client.fail(res, `HEAD manifest ${digest}`, this.repo);
  }

  /** Try a cross-repository mount. Returns true when mounted, else the upload URL the registry opened. */
  private async mount(digest: string, from: string): Promise<true | string> {
    const q = new URLSearchParams({ mount: digest, from });
    const res = await this.client.request({ method: 'POST', path: `/v2/${this.repo}/blobs/uploads/?${q}`, scopes: [pushScope(this.repo), pullScope(from)] }, this.repo);
    if (res.status === 201 || (res.status === 202 && res.headers.get('location'))) await res.discard();
    if (res.status === 201) return true;
    if (res.status === 202 && res.headers.get('location')) return new URL(res.headers.get('location') as string, this.client.baseUrl + '/').toString();
    return this.client.fail(res, `mount blob ${digest} from ${from}`, this.repo);
  }

  private async startUpload(): Promise<string> {
    const res = await this.client.request({ method: 'POST', path: `/v2/${this.repo}/blobs/uploads/`, scopes: [pushScope(this.repo)] }, this.repo);
    const loc = res.headers.get('location');
    if (res.status !== 202 || !loc) return this.client.fail(res, `start blob upload to ${this.repo}`, this.repo);
    await res.discard();
    return new URL(loc, this.client.baseUrl + '/').toString();
  }

  /** Take back the bytes of a failed upload from the progress and the stats. */
  private unsend(n: number): void {
    this.done -= n;
    this.stats.uploadedBytes -= n;
  }

  /** One monolithic PUT whose body streams from the layer; bytes are counted for progress. */
  private async upload(blob: BlobToPush, location: string): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', blob.digest);
    const source = await blob.open();
    let sent = 0;
    const wrongSize = (n: string) =>
      new CreachError('LAYER_FORMAT', `blob ${blob.digest} streamed ${n} bytes but its size is ${blob.size}`, {
        hint: 'the image claims a wrong layer size; rebuild or re-export the image',
      });
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, cb: TransformCallback) => {
        sent += chunk.length;
        this.done += chunk.length;
        this.stats.uploadedBytes += chunk.length;
        // Content-Length was promised: more bytes would corrupt the request, fewer would hang it.
        if (sent > blob.size) return cb(wrongSize(`more than ${blob.size}`));
        this.emit();
        cb(null, chunk);
      },
      flush: (cb: TransformCallback) => cb(sent === blob.size ? null : wrongSize(String(sent))),
    });
    source.on('error', (e) => counter.destroy(e));
    // fetch reads the error through its iterator; this keeps a late one from going unhandled.
    counter.on('error', () => {});
    const body = source.pipe(counter);
    let res: HttpResponse;
    try {
      res = await this.client.request(
        {
          method: 'PUT',
          path: url.toString(),
          scopes: [pushScope(this.repo)],
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
          body,
        },
        this.repo,
      );
    } catch (e) {
      source.destroy();
      this.unsend(sent);
      // A failure of the source stream (a corrupt layer) is more useful than "fetch failed".
      throw sourceFailure(e) ?? e;
    }
    if (res.status !== 201) {
      this.unsend(sent);
      await this.client.fail(res, `upload blob ${blob.digest} to ${this.repo}`, this.repo);
    }
    await res.discard();
    this.stats.uploaded++;
  }

  async pushBlobs(blobs: BlobToPush[]): Promise<void> {
    for (const b of blobs) checkDigestForm(b.digest, `an image pushed to ${this.target.registry}/${this.repo}`);
    const unique = [...new Map(blobs.map((b) => [b.digest, b])).values()];
    const limit = this.opts.concurrency ?? 3;
    const missing: BlobToPush[] = [];
    await mapLimit(unique, 4, async (b) => {
      if (await this.blobExists(b.digest)) {
        this.stats.existing++;
        this.debug(`blob ${b.digest} already in ${this.repo}, skipped`);
      } else missing.push(b);
    });
    const toUpload: { blob: BlobToPush; location?: string }[] = [];
    await mapLimit(missing, limit, async (b) => {
      const src = b.source ?? this.fallbackSource;
      if (src && src.registry === this.target.registry && src.repository !== this.repo) {
        const r = await this.mount(b.digest, src.repository);
        if (r === true) {
          this.stats.mounted++;
          this.debug(`blob ${b.digest} mounted from ${src.repository}`);
          return;
        }
        this.debug(`blob ${b.digest} could not be mounted from ${src.repository}; uploading`);
        toUpload.push({ blob: b, location: r });
        return;
      }
      toUpload.push({ blob: b });
    });
    this.total += toUpload.reduce((n, u) => n + u.blob.size, 0);
    this.emit(true);
    await mapLimit(toUpload, limit, async (u) => {
      this.debug(`uploading blob ${u.blob.digest} (${u.blob.size} bytes) to ${this.repo}`);
      try {
        await this.upload(u.blob, u.location ?? (await this.startUpload()));
      } catch (e) {
        // A token that expired during a long push: the streamed body cannot be replayed by the
        // transport, so reopen the blob and start this upload again, once.
        if (!(e instanceof RegistryError && e.code === 'REGISTRY_AUTH' && e.status === 401)) throw e;
        this.debug(`upload of ${u.blob.digest} was refused (401); retrying once with a fresh token`);
        await this.upload(u.blob, await this.startUpload());
      }
    });
    this.emit(true);
  }

  async putManifest(raw: Buffer, mediaType: string, identifier: string, digest: string): Promise<void> {
    const res = await this.client.request(
      { method: 'PUT', path: `/v2/${this.repo}/manifests/${identifier}`, scopes: [pushScope(this.repo)], headers: { 'content-type': mediaType }, body: raw },
      this.repo,
    );
    if (res.status !== 201 && res.status !== 200) await this.client.fail(res, `PUT manifest ${identifier} to ${this.repo}`, this.repo);
    await res.discard();
    const got = res.headers.get('docker-content-digest');
    if (got && got !== digest) {
      throw new RegistryError('DIGEST_MISMATCH', `registry ${this.target.registry} stored manifest ${identifier} of ${this.repo} as ${got}, expected ${digest}`, {
        hint: 'the registry rewrote the manifest; it may not support this media type',
      });
    }
    this.stats.manifests++;
    this.debug(`manifest ${digest} put as ${this.repo}:${identifier}`);
  }

  async pushImage(image: Image, identifier: string): Promise<string> {
    const digest = await image.digest();
    const raw = await image.rawManifest();
    const mediaType = await image.mediaType();
    const exists = await this.manifestExists(digest);
    if (exists) {
      // A manifest the registry accepted implies it holds all its blobs.
      this.stats.existing += (await image.manifest()).layers.length + 1;
      this.debug(`manifest ${digest} already in ${this.repo}; no blobs to send`);
    } else {
      const imgSource = registrySourceOf(image);
      const rawConfig = await image.rawConfigFile();
      const manifest = await image.manifest();
      const blobs: BlobToPush[] = [
        { digest: manifest.config.digest, size: rawConfig.length, open: async () => Readable.from([rawConfig]), source: imgSource },
      ];
      for (const layer of await image.layers()) {
        blobs.push({ digest: await layer.digest(), size: await layer.size(), open: () => layer.compressed(), source: registrySourceOf(layer) ?? imgSource });
      }
      await this.pushBlobs(blobs);
    }
    if (identifier !== digest || !exists) await this.putManifest(raw, mediaType, identifier, digest);
    return digest;
  }

  /**
   * Copy a manifest that is not an Image (artifacts, attestations, nested indexes) from the
   * registry it was read from, with its blobs: mounted within one registry, streamed across.
   */
  async copyRaw(source: RegistrySource, digest: string): Promise<void> {
    if (await this.manifestExists(digest)) {
      this.debug(`manifest ${digest} already in ${this.repo}`);
      return;
    }
    const client = source.registry === this.target.registry ? this.client : new RegistryClient(source.registry, this.opts);
    const from: Reference = { registry: source.registry, repository: source.repository, digest, implicitRegistry: false };
    const m = await fetchManifest(client, from, digest);
    const parsed = JSON.parse(m.raw.toString('utf8')) as { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[]; blobs?: Descriptor[] };
    for (const child of parsed.manifests ?? []) await this.copyRaw(source, child.digest);
    const blobs = [...(parsed.config ? [parsed.config] : []), ...(parsed.layers ?? []), ...(parsed.blobs ?? [])];
    await this.pushBlobs(blobs.map((b) => ({ digest: b.digest, size: b.size, open: () => openBlob(client, from, b.digest), source })));
    await this.putManifest(m.raw, m.mediaType || MediaType.OCI_MANIFEST, digest, digest);
  }

  async pushIndex(index: ImageIndex, identifier: string): Promise<string> {
    const digest = await index.digest();
    const exists = await this.manifestExists(digest);
    if (!exists) {
      const im = await index.indexManifest();
      const source = registrySourceOf(index);
      for (const d of im.manifests) {
        if (isIndexMediaType(d.mediaType)) {
          await this.pushIndex(await index.imageIndex(d.digest), d.digest);
          continue;
        }
        let child: Image | undefined;
        let why: unknown;
        if (isManifestMediaType(d.mediaType) || d.mediaType === undefined) {
          try {
            child = await index.image(d.digest);
          } catch (e) {
            // Not an image (an artifact, an attestation without rootfs): copy it as raw bytes below.
            if (!(e instanceof CreachError && e.code === 'IMAGE_FORMAT')) throw e;
            why = e;
          }
        }
        if (child) await this.pushImage(child, d.digest);
        else if (source) await this.copyRaw(source, d.digest);
        else {
          throw new CreachError('IMAGE_FORMAT', `index ${digest} lists ${d.digest} (${d.mediaType}), which is not an image creach can copy`, {
            cause: why,
            hint: 'drop that entry from the index before pushing',
          });
        }
      }
    } else {
      this.debug(`index ${digest} already in ${this.repo}; children skipped`);
    }
    if (identifier !== digest || !exists) {
      await this.putManifest(await index.rawManifest(), await index.mediaType(), identifier, digest);
    }
    return digest;
  }
}

/**
 * Push `what` to `ref` (`host[:port]/repo:tag`, or `…@sha256:…` to push by digest, which must
 * then match). Progress: `{ phase: 'upload', done, total, unit: 'bytes' }` where total counts
 * only the bytes that really move.
 */
export async function write(ref: string, what: ImageOrIndex, opts: WriteOptions = {}): Promise<WriteResult> {
  const target = parseReference(ref);
  const client = new RegistryClient(target.registry, opts);
  let fallback: RegistrySource | undefined;
  if (opts.sourceRef) {
    try {
      const s = parseReference(opts.sourceRef);
      fallback = { registry: s.registry, repository: s.repository };
    } catch {
      fallback = undefined; // a source that is not a registry reference (a tar, the engine) cannot be mounted from
    }
  }
  const pusher = new Pusher(client, target, opts, fallback);
  const identifier = target.tag ?? target.digest;
  if (!identifier) throw new CreachError('IMAGE_REF_INVALID', `reference ${formatReference(target)} names no tag or digest to push to`);
  const digest = what.kind === 'image' ? await pusher.pushImage(what.image, identifier) : await pusher.pushIndex(what.index, identifier);
  if (target.digest && target.digest !== digest) {
    throw new RegistryError('DIGEST_MISMATCH', `pushed ${formatReference(target)} but the content has digest ${digest}`, {
      hint: 'drop the @digest from the destination or push the image that digest names',
    });
  }
  opts.log?.info(
    `registry: pushed ${formatReference(target)} ${digest}: ${pusher.stats.uploaded} blobs uploaded (${pusher.stats.uploadedBytes} bytes), ${pusher.stats.mounted} mounted, ${pusher.stats.existing} already present`,
  );
  return { digest, stats: pusher.stats };
}
