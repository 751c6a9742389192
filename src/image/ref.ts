// The one place that decides which source the user's argument names. An existing path is
// sniffed (docker save tar, OCI layout dir, OCI layout tar); `docker-daemon:NAME` or a name the
// local engine has is read from the engine; anything else goes to its registry. Explicit
// prefixes: docker-daemon:, docker-archive:, oci:, oci-archive:, registry:, docker://.
import { existsSync, statSync } from 'node:fs';
import { arch } from 'node:os';
import { basename } from 'node:path';
import { CreachError, errnoCode } from '../errors.js';
import type { OpContext } from '../log.js';
import { read as readArchive } from './docker-archive/read.js';
import { read as readEngine } from './engine/read.js';
import { EngineClient } from './engine/client.js';
import type { Image, ImageOrIndex, Platform } from './image.js';
import { platformString } from './image.js';
import { read as readLayout } from './oci-layout/read.js';
import { tarFiles } from './oci-layout/store.js';
import { read as readRegistry } from './registry/read.js';

export interface ImageReadOptions extends OpContext {
  insecureRegistries?: string[];
  dockerHost?: string;
  authConfigPath?: string;
}

export type SourceKind = 'engine' | 'registry' | 'docker-archive' | 'oci' | 'oci-archive';

export interface ResolvedSource {
  kind: SourceKind;
  image: ImageOrIndex;
  /** The path, engine name or registry reference read. */
  location: string;
  /** Repository names the source records for the image (repo:tag), best first. */
  names: string[];
  /** Whether the manifest digest is the image's real one (not synthesised from a `docker save`). */
  manifestDigestKnown: boolean;
}

const PREFIXES: [string, SourceKind][] = [
  ['docker-daemon:', 'engine'],
  ['docker-archive:', 'docker-archive'],
  ['oci-archive:', 'oci-archive'],
  ['oci:', 'oci'],
  ['registry:', 'registry'],
  ['docker://', 'registry'],
];

/** Split `PATH[:NAME]` the way skopeo does, preferring the longest prefix that exists. */
function splitPathAndName(s: string): { path: string; name?: string } {
  if (existsSync(s)) return { path: s };
  const i = s.lastIndexOf(':');
  if (i > 0 && existsSync(s.slice(0, i))) return { path: s.slice(0, i), name: s.slice(i + 1) || undefined };
  return { path: s };
}

export function looksLikePath(s: string): boolean {
  return s.startsWith('/') || s.startsWith('./') || s.startsWith('../') || s.startsWith('~') || /\.(tar|tgz|tar\.gz)$/.test(s);
}

/** Does the first component name a registry host (Docker's rule)? */
export function hasRegistryHost(ref: string): boolean {
  const first = ref.split('/')[0];
  return ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['));
}

async function sniffPath(path: string): Promise<SourceKind> {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw new CreachError('IMAGE_NOT_FOUND', `${path} does not exist`, { hint: 'check the path' });
    throw e;
  }
  if (st.isDirectory()) return 'oci';
  const files = await tarFiles(path);
  if (files.has('manifest.json')) return 'docker-archive';
  if (files.has('index.json')) return 'oci-archive';
  throw new CreachError('TAR_NOT_IMAGE', `${path} is a tar but not a container image (no manifest.json or index.json)`, {
    hint: 'pass a `docker save` tar, an OCI layout (directory or tar), or an image reference',
  });
}

async function fromEngine(name: string, opts: ImageReadOptions): Promise<ResolvedSource> {
  const r = await readEngine(name, opts);
  const tags = r.inspect.RepoTags?.filter((t) => t !== '<none>:<none>') ?? [];
  const names = tags.includes(name) || tags.includes(`${name}:latest`) ? [name.includes(':') ? name : `${name}:latest`] : [...(name.startsWith('sha256:') ? [] : [name]), ...tags];
  return { kind: 'engine', image: r.image, location: name, names, manifestDigestKnown: false };
}

async function fromPath(kind: SourceKind, spec: string, opts: ImageReadOptions): Promise<ResolvedSource> {
  const { path, name } = splitPathAndName(spec);
  if (kind === 'docker-archive') {
    const r = await readArchive(path, { name });
    // A legacy archive carries no manifest; Docker 25+ archives carry the real one.
    const legacy = !(await tarFiles(path)).has('index.json');
    return { kind, image: r.image, location: path, names: name ? [name] : r.names, manifestDigestKnown: !legacy };
  }
  const r = await readLayout(path, { name });
  const fallback = basename(path).replace(/\.(tar|tgz|tar\.gz)$/, '').toLowerCase().replace(/[^a-z0-9._-]+/g, '-') || 'image';
  const names = r.names.length ? r.names.map((n) => (n.includes('/') || n.includes(':') ? n : `${fallback}:${n}`)) : [`${fallback}:latest`];
  return { kind, image: r.image, location: path, names, manifestDigestKnown: true };
}

/** Decide the source of `ref` and read it, with what is known about where it came from. */
export async function resolve(ref: string, opts: ImageReadOptions = {}): Promise<ResolvedSource> {
  for (const [prefix, kind] of PREFIXES) {
    if (!ref.startsWith(prefix)) continue;
    const rest = ref.slice(prefix.length);
    if (kind === 'engine') return fromEngine(rest, opts);
    if (kind === 'registry') {
      const r = rest.replace(/^\/\//, '');
      return { kind, image: await readRegistry(r, opts), location: r, names: [r], manifestDigestKnown: true };
    }
    return fromPath(kind, rest, opts);
  }
  if (existsSync(ref) || looksLikePath(ref)) return fromPath(await sniffPath(ref), ref, opts);
  const client = new EngineClient({ dockerHost: opts.dockerHost, signal: opts.signal });
  try {
    if (await client.inspect(ref)) return fromEngine(ref, opts);
  } catch (e) {
    // With a registry host written, a missing engine is no obstacle; without one it is the only place to look.
    if (!(e instanceof CreachError && e.code === 'DAEMON_UNREACHABLE' && hasRegistryHost(ref))) throw e;
    opts.log?.debug(`no Docker engine (${e.message}); reading ${ref} from its registry`);
  }
  if (!hasRegistryHost(ref)) {
    throw new CreachError('IMAGE_NOT_FOUND', `the Docker engine at ${client.where} has no image ${ref}, and the reference names no registry`, {
      hint: 'check the name with `docker images`, or write the registry host (e.g. 127.0.0.1:5000/app:1.0)',
    });
  }
  return { kind: 'registry', image: await readRegistry(ref, opts), location: ref, names: [ref], manifestDigestKnown: true };
}

export async function read(ref: string, opts: ImageReadOptions = {}): Promise<ImageOrIndex> {
  return (await resolve(ref, opts)).image;
}

export function hostPlatform(): Platform {
  const a = arch();
  return { os: 'linux', architecture: a === 'x64' ? 'amd64' : a === 'arm64' ? 'arm64' : a };
}

/** One image: from an index, the one for `platform` (default linux/<host arch>). */
export async function readImage(ref: string, opts: ImageReadOptions & { platform?: Platform } = {}): Promise<Image> {
  const src = await read(ref, opts);
  if (src.kind === 'image') return src.image;
  const want = opts.platform ?? hostPlatform();
  const im = await src.index.indexManifest();
  const d = im.manifests.find(
    (m) => m.platform?.os === want.os && m.platform?.architecture === want.architecture && (!want.variant || !m.platform?.variant || m.platform.variant === want.variant),
  );
  if (!d) {
    throw new CreachError('PLATFORM_NOT_IN_IMAGE', `${ref} has no ${platformString(want)} image`, {
      hint: `platforms in it: ${im.manifests.filter((m) => m.platform && m.platform.os !== 'unknown').map((m) => platformString(m.platform!)).join(', ') || 'none'}`,
    });
  }
  return src.index.image(d.digest);
}

/** `repo[:tag][@digest]` → `repo:<tag>-instrumented` (tag `latest` when none was written). */
export function instrumentedName(name: string): string {
  const noDigest = name.split('@')[0];
  const m = /^(.*?)(?::([\w][\w.-]{0,127}))?$/.exec(noDigest)!;
  let repo = m[1];
  let tag: string | undefined = m[2];
  if (tag && tag.includes('/')) {
    repo = noDigest;
    tag = undefined;
  }
  const suffix = '-instrumented';
  const base = (tag ?? 'latest').slice(0, 128 - suffix.length);
  return `${repo}:${base}${suffix}`;
}
