// Read an image or index from a registry (OCI distribution API), after go-containerregistry's
// remote.Image. Manifests are fetched eagerly (they are small) and checked against the digest
// that names them; blobs are opened lazily, streamed on every call, and checked as they stream.
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { createHash } from 'node:crypto';
import { CreachError } from '../../errors.js';
import { imageFromCore, indexFromCore } from '../partial.js';
import { sha256 } from '../digest.js';
import { isIndexMediaType, isManifestMediaType, MediaType, type Image, type ImageOrIndex } from '../image.js';
import { formatReference, parseReference, referenceIdentifier, type Reference } from './reference.js';
import { RegistryError } from './registry-error.js';
import { markRegistrySource } from './source.js';
import { pullScope, RegistryClient, type RegistryOptions } from './transport.js';

/** Every manifest type creach understands, as sent in Accept. */
export const MANIFEST_ACCEPT = [MediaType.OCI_INDEX, MediaType.DOCKER_MANIFEST_LIST, MediaType.OCI_MANIFEST, MediaType.DOCKER_MANIFEST].join(', ');

/** Manifests are small; refuse anything that is clearly not one rather than buffering it. */
const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;

export interface FetchedManifest {
  raw: Buffer;
  digest: string;
  mediaType: string;
}

/** GET a manifest by tag or digest; IMAGE_NOT_FOUND on 404; the digest is verified when known. */
export async function fetchManifest(client: RegistryClient, ref: Reference, identifier: string): Promise<FetchedManifest> {
  if (identifier.includes(':')) checkDigestForm(identifier, `a reference into ${ref.registry}/${ref.repository}`);
  const shown = `${ref.registry}/${ref.repository}${identifier.includes(':') ? `@${identifier}` : `:${identifier}`}`;
  const res = await client.request(
    { method: 'GET', path: `/v2/${ref.repository}/manifests/${identifier}`, scopes: [pullScope(ref.repository)], headers: { accept: MANIFEST_ACCEPT } },
    ref.repository,
  );
  if (res.status === 404) {
    await res.discard();
    throw new RegistryError('IMAGE_NOT_FOUND', `image ${shown} not found in registry ${ref.registry}`, {
      status: 404,
      hint: 'check the repository name and tag (list tags with `skopeo list-tags docker://REPO`)',
    });
  }
  if (res.status !== 200) await client.fail(res, `GET manifest ${shown}`, ref.repository);
  const length = Number(res.headers.get('content-length') ?? '0');
  if (length > MAX_MANIFEST_BYTES) {
    await res.discard();
    throw new CreachError('IMAGE_FORMAT', `manifest ${shown} is ${length} bytes, too large to be a manifest`);
  }
  let raw: Buffer;
  try {
    raw = await res.buffer(MAX_MANIFEST_BYTES);
  } catch (e) {
    throw new CreachError('IMAGE_FORMAT', `manifest ${shown} is larger than ${MAX_MANIFEST_BYTES} bytes, too large to be a manifest`, { cause: e });
  }
  const digest = sha256(raw);
  const expected = identifier.includes(':') ? identifier : res.headers.get('docker-content-digest') ?? undefined;
  if (expected && expected.startsWith('sha256:') && expected !== digest) {
    throw new RegistryError('DIGEST_MISMATCH', `manifest ${shown} has digest ${digest}, expected ${expected}`, {
      hint: 'the registry returned different bytes than the digest names; do not trust this image',
    });
  }
  let declared: string | undefined;
  try {
    declared = (JSON.parse(raw.toString('utf8')) as { mediaType?: string }).mediaType;
  } catch (e) {
    throw new CreachError('IMAGE_FORMAT', `manifest ${shown} is not valid JSON`, { cause: e });
  }
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  return { raw, digest, mediaType: declared ?? contentType };
}

/** Pass bytes through and fail at the end when their sha256 differs from `expected`. */
function verifyDigest(source: Readable, expected: string, what: string): Readable {
  const h = createHash('sha256');
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      h.update(chunk);
      cb(null, chunk);
    },
    flush(cb: TransformCallback) {
      const got = `sha256:${h.digest('hex')}`;
      if (got !== expected) cb(new RegistryError('DIGEST_MISMATCH', `${what} has digest ${got}, expected ${expected}`, { hint: 'the registry returned corrupt data; retry or check the registry storage' }));
      else cb();
    },
  });
  source.on('error', (e) => t.destroy(e));
  t.on('close', () => source.destroy());
  return source.pipe(t);
}

const DIGEST_FORM = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

/** Digests come from manifests (untrusted) and become URL path segments: check their form. */
export function checkDigestForm(digest: string, where: string): void {
  if (!DIGEST_FORM.test(digest)) {
    throw new CreachError('IMAGE_FORMAT', `${where} names ${JSON.stringify(digest).slice(0, 100)}, which is not a digest`, {
      hint: 'the image metadata is malformed',
    });
  }
}

/** Open a blob as a stream (follows storage redirects; digest checked as it streams). */
export async function openBlob(client: RegistryClient, ref: Reference, digest: string): Promise<Readable> {
  checkDigestForm(digest, `a manifest of ${ref.registry}/${ref.repository}`);
  const res = await client.request({ method: 'GET', path: `/v2/${ref.repository}/blobs/${digest}`, scopes: [pullScope(ref.repository)], followRedirects: true }, ref.repository);
  if (res.status === 404) {
    await res.discard();
    throw new RegistryError('REGISTRY_ERROR', `blob ${digest} not found in ${ref.registry}/${ref.repository}`, {
      status: 404,
      hint: 'the image is incomplete in the registry; push it again',
    });
  }
  if (res.status !== 200) await client.fail(res, `GET blob ${digest} from ${ref.repository}`, ref.repository);
  const body = res.stream();
  if (!digest.startsWith('sha256:')) return body;
  return verifyDigest(body, digest, `blob ${digest} from ${ref.registry}/${ref.repository}`);
}

/** Image configs are JSON documents; anything bigger than this is not one. */
const MAX_CONFIG_BYTES = 64 * 1024 * 1024;

async function readAll(stream: Readable, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    n += (c as Buffer).length;
    if (n > MAX_CONFIG_BYTES) {
      stream.destroy();
      throw new CreachError('IMAGE_FORMAT', `${what} is larger than ${MAX_CONFIG_BYTES} bytes, too large to be an image config`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

async function imageFromManifest(client: RegistryClient, ref: Reference, m: FetchedManifest): Promise<Image> {
  let configDigest: string | undefined;
  try {
    configDigest = (JSON.parse(m.raw.toString('utf8')) as { config?: { digest?: string } }).config?.digest;
  } catch {
    configDigest = undefined;
  }
  if (!configDigest) throw new CreachError('IMAGE_FORMAT', `manifest ${m.digest} in ${ref.registry}/${ref.repository} has no config`);
  const cfgDigest = configDigest;
  const image = await imageFromCore({
    rawManifest: async () => m.raw,
    rawConfigFile: async () => readAll(await openBlob(client, ref, cfgDigest), `config ${cfgDigest} of ${ref.registry}/${ref.repository}`),
    blob: (digest: string) => openBlob(client, ref, digest),
  });
  const source = { registry: ref.registry, repository: ref.repository };
  markRegistrySource(image, source);
  for (const l of await image.layers()) markRegistrySource(l, source);
  return image;
}

function checkKind(m: FetchedManifest, shown: string): 'image' | 'index' {
  if (isIndexMediaType(m.mediaType)) return 'index';
  if (isManifestMediaType(m.mediaType)) return 'image';
  // Some registries omit mediaType in the body; the shape decides then.
  try {
    const j = JSON.parse(m.raw.toString('utf8')) as { schemaVersion?: number; manifests?: unknown; config?: unknown };
    if (j.schemaVersion === 2 && Array.isArray(j.manifests)) return 'index';
    if (j.schemaVersion === 2 && j.config) return 'image';
    if (j.schemaVersion === 1) {
      throw new CreachError('IMAGE_FORMAT', `${shown} is a Docker schema 1 manifest, which creach does not read`, { hint: 'push the image again with a current docker or skopeo' });
    }
  } catch (e) {
    if (e instanceof CreachError) throw e;
  }
  throw new CreachError('IMAGE_FORMAT', `${shown} has unsupported manifest media type ${JSON.stringify(m.mediaType)}`, { hint: 'creach reads OCI and Docker v2 images and indexes' });
}

/**
 * Read `ref` (`host[:port]/repo[:tag][@digest]`) from its registry. Returns the index for
 * multi-platform images; its children and every blob are fetched only when asked for.
 */
export async function read(ref: string, opts: RegistryOptions = {}): Promise<ImageOrIndex> {
  const parsed = parseReference(ref);
  const client = new RegistryClient(parsed.registry, opts);
  const shown = formatReference(parsed);
  const top = await fetchManifest(client, parsed, referenceIdentifier(parsed));
  opts.log?.debug(`registry: ${shown} is ${top.mediaType} ${top.digest}`);
  if (checkKind(top, shown) === 'image') return { kind: 'image', image: await imageFromManifest(client, parsed, top) };

  const source = { registry: parsed.registry, repository: parsed.repository };
  const index = await indexFromCore({
    rawManifest: async () => top.raw,
    child: async (digest: string) => (await fetchManifest(client, parsed, digest)).raw,
    childImage: async (digest: string, raw: Buffer) => {
      const m: FetchedManifest = { raw, digest: sha256(raw), mediaType: '' };
      if (m.digest !== digest) throw new RegistryError('DIGEST_MISMATCH', `manifest ${digest} in ${shown} has digest ${m.digest}`);
      m.mediaType = (JSON.parse(raw.toString('utf8')) as { mediaType?: string }).mediaType ?? MediaType.OCI_MANIFEST;
      if (checkKind(m, `${shown}@${digest}`) !== 'image') throw new CreachError('IMAGE_FORMAT', `${shown}@${digest} is an index, not an image`);
      return imageFromManifest(client, parsed, m);
    },
  });
  markRegistrySource(index, source);
  return { kind: 'index', index };
}
