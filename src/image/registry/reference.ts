// Parse image references the way Docker does: `[host[:port]/]repo/path[:tag][@digest]`.
// The first path component is a host only when it contains `.` or `:` or is `localhost`
// (Docker's rule). A reference without a host falls back to DEFAULT_REGISTRY, which creach
// leaves unset unless the user names one (env CREACH_DEFAULT_REGISTRY): network access here
// needs an explicit host, and the error says so instead of guessing one.
import { CreachError } from '../../errors.js';

/** Env var that supplies the registry for references without a host. */
export const DEFAULT_REGISTRY_ENV = 'CREACH_DEFAULT_REGISTRY';

/** The registry used for references without a host, or undefined when none is configured. */
export const DEFAULT_REGISTRY: string | undefined = process.env[DEFAULT_REGISTRY_ENV] || undefined;

export const DEFAULT_TAG = 'latest';

export interface Reference {
  /** `host[:port]`, lower-cased host as written (IPv6 in brackets). */
  registry: string;
  /** Repository path inside the registry, e.g. `team/app`. */
  repository: string;
  /** The tag, `latest` when neither tag nor digest was given. */
  tag?: string;
  /** `sha256:…` when the reference pins a digest. */
  digest?: string;
  /** True when no host was written and the default registry was used. */
  implicitRegistry: boolean;
}

// Path components of distribution's reference grammar.
const COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const HOST_RE = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;

function invalid(ref: string, why: string): CreachError {
  return new CreachError('IMAGE_REF_INVALID', `invalid image reference ${JSON.stringify(ref)}: ${why}`, {
    hint: 'write it as HOST[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST], e.g. 127.0.0.1:5000/team/app:1.0',
  });
}

function looksLikeHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component.startsWith('[');
}

/**
 * Parse a reference. `defaultRegistry` overrides DEFAULT_REGISTRY (tests, callers with their own
 * configuration). Throws IMAGE_REF_INVALID for malformed references and for references without a
 * host when no default registry is configured.
 */
export function parseReference(input: string, defaultRegistry: string | undefined = DEFAULT_REGISTRY): Reference {
  let ref = input.trim();
  if (ref.startsWith('docker://')) ref = ref.slice('docker://'.length).replace(/^\/\//, '');
  if (ref === '') throw invalid(input, 'it is empty');

  let digest: string | undefined;
  const at = ref.indexOf('@');
  if (at >= 0) {
    digest = ref.slice(at + 1);
    ref = ref.slice(0, at);
    if (!DIGEST_RE.test(digest)) throw invalid(input, `${JSON.stringify(digest)} is not a digest`);
  }

  let registry: string | undefined;
  let rest = ref;
  const slash = ref.indexOf('/');
  if (slash > 0 && looksLikeHost(ref.slice(0, slash))) {
    registry = ref.slice(0, slash);
    rest = ref.slice(slash + 1);
    if (!HOST_RE.test(registry)) throw invalid(input, `${JSON.stringify(registry)} is not a valid registry host`);
  }

  // A tag is after the last ':' that comes after the last '/'.
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG_RE.test(tag)) throw invalid(input, `${JSON.stringify(tag)} is not a valid tag`);
  }

  if (rest === '') throw invalid(input, 'it has no repository name');
  for (const c of rest.split('/')) {
    if (!COMPONENT_RE.test(c)) throw invalid(input, `repository component ${JSON.stringify(c)} must be lower-case letters, digits and separators`);
  }
  if (rest.length > 255) throw invalid(input, 'the repository name is longer than 255 characters');

  let implicitRegistry = false;
  if (registry === undefined) {
    if (!defaultRegistry) {
      throw new CreachError('IMAGE_REF_INVALID', `image reference ${JSON.stringify(input)} names no registry host`, {
        hint: `write the registry host in the reference (e.g. 127.0.0.1:5000/${rest}), or set ${DEFAULT_REGISTRY_ENV}`,
      });
    }
    registry = defaultRegistry;
    implicitRegistry = true;
    // Docker puts single-name official images under `library/` on its default registry.
    if (!rest.includes('/')) rest = `library/${rest}`;
  }
  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  return { registry, repository: rest, tag, digest, implicitRegistry };
}

/**
 * The reference when `input` names a registry image with an explicit host (what src/image/ref.ts
 * needs to decide a source without guessing), else undefined. Never throws.
 */
export function tryParseRegistryReference(input: string): Reference | undefined {
  try {
    return parseReference(input, undefined);
  } catch {
    return undefined;
  }
}

/** What to ask the registry for: the digest when pinned, else the tag. */
export function referenceIdentifier(ref: Reference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

/** The canonical string form: `host/repo[:tag][@digest]`. */
export function formatReference(ref: Reference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The host without the port and without IPv6 brackets. */
export function registryHostname(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  const colon = registry.lastIndexOf(':');
  return colon >= 0 ? registry.slice(0, colon) : registry;
}

/** Loopback registries may speak plain HTTP (as Docker allows). */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registryHostname(registry).toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
