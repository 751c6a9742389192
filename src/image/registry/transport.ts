// One HTTP client per registry host: picks the scheme (HTTPS, plain HTTP only for loopback or
// an explicit insecure registry), learns the auth scheme from the `/v2/` challenge, gets and
// caches bearer tokens per scope set, retries once on 401, follows blob redirects without
// leaking credentials to other hosts, and turns failures into typed RegistryErrors.
// Every URL that reaches a log line or an error goes through redactUrl.
import { Readable } from 'node:stream';
import { CreachError } from '../../errors.js';
import { silentLogger, type Logger, type OpContext } from '../../log.js';
import type { Platform } from '../image.js';
import { resolveCredentials, type Credentials } from './credentials.js';
import { httpSend, type HttpResponse, type HttpSendInit } from './http-send.js';
import { redactUrl } from './redact.js';
import { describeDiagnostics, parseDiagnostics, RegistryError } from './registry-error.js';
import { isLoopbackRegistry, registryHostname } from './reference.js';

export interface RegistryOptions extends OpContext {
  /** Registries (`host[:port]` or host) that may be reached over plain HTTP. */
  insecureRegistries?: string[];
  /** Docker CLI config with credentials; default $DOCKER_CONFIG/config.json or ~/.docker/config.json. */
  authConfigPath?: string;
  /** Carried for callers that pick one platform out of an index (src/image/ref.ts). */
  platform?: Platform;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parse `Bearer realm="…",service="…",scope="a,b"` (quoted values may hold commas). */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2])) !== null) {
    if (p[0] === '') break;
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  }
  return { scheme: m[1].toLowerCase(), params };
}

type AuthState = { kind: 'none' } | { kind: 'basic' } | { kind: 'bearer'; realm: string; service?: string };

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** A path under the registry (`/v2/…`) or an absolute URL (upload locations). */
  path: string;
  /** Token scopes this request needs, e.g. `repository:team/app:pull`. */
  scopes: string[];
  headers?: Record<string, string>;
  /** A Buffer can be resent after a 401; a stream cannot. */
  body?: Buffer | string | Readable;
  /** Follow 3xx (blob downloads); credentials are dropped when the redirect leaves the registry. */
  followRedirects?: boolean;
}

const NET_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'EPIPE']);

function causeCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    if (typeof cur === 'object' && cur !== null && 'code' in cur && typeof (cur as { code: unknown }).code === 'string') return (cur as { code: string }).code;
    cur = typeof cur === 'object' && cur !== null && 'cause' in cur ? (cur as { cause: unknown }).cause : undefined;
  }
  return undefined;
}

const TLS_MISMATCH = new Set(['EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ECONNRESET', 'HPE_INVALID_CONSTANT']);

function isTlsMismatch(e: unknown): boolean {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_MISMATCH.has(code)) return true;
    if (cur instanceof Error && /wrong version number|packet length too long/i.test(cur.message)) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

export class RegistryClient {
  readonly registry: string;
  /**
   * Schemes to try, in order. Loopback and --insecure-registry hosts are tried over HTTPS
   * without certificate checks first, then plain HTTP (as Docker does); others HTTPS only.
   */
  readonly schemes: readonly ('https' | 'http')[];
  private chosenBase: string | undefined;
  private readonly log: Logger;
  private readonly signal: AbortSignal | undefined;
  private readonly authConfigPath: string | undefined;
  private auth: Promise<AuthState> | undefined;
  private creds: Promise<Credentials | undefined> | undefined;
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(registry: string, opts: RegistryOptions = {}) {
    this.registry = registry;
    const insecure = (opts.insecureRegistries ?? []).some((r) => r === registry || r === registryHostname(registry));
    this.schemes = insecure || isLoopbackRegistry(registry) ? ['https', 'http'] : ['https'];
    this.log = opts.log ?? silentLogger;
    this.signal = opts.signal;
    this.authConfigPath = opts.authConfigPath;
  }

  /** `scheme://host[:port]` of the registry: the scheme that answered the first ping. */
  get baseUrl(): string {
    return this.chosenBase ?? `${this.schemes[0]}://${this.registry}`;
  }

  private get insecure(): boolean {
    return this.schemes.includes('http');
  }

  private credentials(): Promise<Credentials | undefined> {
    this.creds ??= resolveCredentials(this.registry, this.authConfigPath, this.signal);
    return this.creds;
  }

  /** Low-level send with network failures mapped to REGISTRY_UNREACHABLE / ABORTED. */
  private async send(url: string, init: HttpSendInit): Promise<HttpResponse> {
    this.log.debug(`registry: ${init.method} ${redactUrl(url)}`);
    try {
      // Certificate checks are off only for this registry's own origin, and only when it is insecure.
      const skipTlsVerify = this.insecure && url.startsWith(`https://${this.registry}/`);
      return await httpSend(url, init, this.signal, skipTlsVerify);
    } catch (e) {
      // A failing request body (a corrupt layer) keeps its own error.
      if (e instanceof CreachError) throw e;
      if (this.signal?.aborted || (e as Error)?.name === 'AbortError') {
        throw new CreachError('ABORTED', `request to registry ${this.registry} was cancelled`, { cause: e });
      }
      const code = causeCode(e);
      if (code && NET_CODES.has(code)) {
        throw new RegistryError('REGISTRY_UNREACHABLE', `registry ${this.registry} is unreachable at ${this.baseUrl} (${code})`, {
          cause: e,
          hint: `check that the registry is running and reachable; for a registry without TLS outside loopback pass --insecure-registry ${this.registry}`,
        });
      }
      throw new RegistryError('REGISTRY_UNREACHABLE', `request to registry ${this.registry} failed: ${(e as Error)?.message ?? String(e)}${code ? ` (${code})` : ''}`, {
        cause: e,
        hint: this.baseUrl.startsWith('https:')
          ? `check the registry's TLS certificate; a registry without TLS needs --insecure-registry ${this.registry}`
          : 'check that the registry is running and reachable',
      });
    }
  }

  /** Learn how the registry authenticates from its `/v2/` answer (once per client). */
  private authState(): Promise<AuthState> {
    this.auth ??= (async (): Promise<AuthState> => {
      for (const scheme of this.schemes) {
        const base = `${scheme}://${this.registry}`;
        let res: HttpResponse;
        try {
          res = await this.send(`${base}/v2/`, { method: 'GET' });
        } catch (e) {
          // A plain-HTTP registry answers a TLS hello with garbage: try the next scheme.
          if (scheme === 'https' && this.schemes.length > 1 && isTlsMismatch(e)) {
            this.log.debug(`registry: ${this.registry} does not speak TLS; using plain HTTP`);
            continue;
          }
          throw e;
        }
        this.chosenBase = base;
        await res.discard();
        if (res.status === 401) return this.stateFromChallenge(res) ?? { kind: 'none' };
        return { kind: 'none' };
      }
      throw new RegistryError('REGISTRY_UNREACHABLE', `registry ${this.registry} answered neither HTTPS nor HTTP`);
    })();
    this.auth.catch(() => (this.auth = undefined));
    return this.auth;
  }

  private stateFromChallenge(res: HttpResponse): AuthState | undefined {
    const c = parseChallenge(res.headers.get('www-authenticate') ?? '');
    if (!c) return undefined;
    if (c.scheme === 'basic') return { kind: 'basic' };
    if (c.scheme === 'bearer' && c.params.realm) return { kind: 'bearer', realm: c.params.realm, service: c.params.service };
    return undefined;
  }

  private authError(repository: string | undefined, status: number | undefined, creds: Credentials | undefined, detail?: string): RegistryError {
    const what = repository ? ` for repository ${repository}` : '';
    const message = creds
      ? `registry ${this.registry} refused the credentials${what} (from ${creds.source})${detail ? `: ${detail}` : ''}`
      : `registry ${this.registry} requires credentials${what} and none were found${detail ? `: ${detail}` : ''}`;
    return new RegistryError('REGISTRY_AUTH', message, {
      status,
      hint: `run "docker login ${this.registry}" or add credentials for ${this.registry} to ${this.authConfigPath ?? '~/.docker/config.json (or $DOCKER_CONFIG/config.json)'}; check that the account may ${status === 403 ? 'access' : 'read/write'} the repository`,
    });
  }

  private async fetchToken(state: Extract<AuthState, { kind: 'bearer' }>, scopes: string[], repository?: string): Promise<string> {
    const creds = await this.credentials();
    if (creds?.registryToken) return creds.registryToken;
    const url = new URL(state.realm);
    let res: HttpResponse;
    if (creds?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'creach' });
      if (state.service) form.set('service', state.service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      res = await this.send(url.toString(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    } else {
      if (state.service) url.searchParams.set('service', state.service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (creds?.username !== undefined && creds.password !== undefined) {
        headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      }
      res = await this.send(url.toString(), { method: 'GET', headers });
    }
    const text = await res.text();
    if (res.status === 401 || res.status === 403) throw this.authError(repository, res.status, creds, `token server ${url.origin} answered ${res.status}`);
    if (res.status < 200 || res.status > 299) {
      throw new RegistryError('REGISTRY_ERROR', `token server ${url.origin} for registry ${this.registry} answered ${res.status}`, { status: res.status, diagnostics: parseDiagnostics(text) });
    }
    let token: string | undefined;
    try {
      const j = JSON.parse(text) as { token?: string; access_token?: string };
      token = j.token ?? j.access_token;
    } catch {
      token = undefined;
    }
    if (!token) throw new RegistryError('REGISTRY_ERROR', `token server ${url.origin} for registry ${this.registry} returned no token`, { status: res.status });
    return token;
  }

  private async authorization(state: AuthState, scopes: string[], repository?: string): Promise<string | undefined> {
    if (state.kind === 'none') return undefined;
    const creds = await this.credentials();
    if (state.kind === 'basic') {
      if (creds?.username === undefined || creds.password === undefined) return undefined;
      return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    }
    const key = [...new Set(scopes)].sort().join(' ');
    let t = this.tokens.get(key);
    if (!t) {
      t = this.fetchToken(state, [...new Set(scopes)].sort(), repository);
      this.tokens.set(key, t);
      t.catch(() => this.tokens.delete(key));
    }
    return `Bearer ${await t}`;
  }

  /**
   * Send a request with auth. On 401 the challenge is re-read, the token refreshed and the
   * request retried once (when its body can be resent). 401/403 after that → REGISTRY_AUTH.
   * Other statuses are returned to the caller, who knows what they mean.
   */
  async request(req: RegistryRequest, repository?: string): Promise<HttpResponse> {
    let state = await this.authState();
    const url = /^https?:\/\//.test(req.path) ? req.path : `${this.baseUrl}${req.path}`;
    const replayable = !(req.body instanceof Readable);
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { ...(req.headers ?? {}) };
      const authz = await this.authorization(state, req.scopes, repository);
      // Credentials go only to the registry itself, never to another origin an upload Location names.
      if (authz && new URL(url).origin === new URL(this.baseUrl).origin) headers.authorization = authz;
      const init: HttpSendInit = { method: req.method, headers, body: req.body };
      let res = await this.send(url, init);
      if (req.followRedirects) res = await this.follow(res, url, authz);
      if (res.status !== 401 && res.status !== 403) return res;
      const body = await res.text();
      const diags = parseDiagnostics(body);
      if (res.status === 401 && attempt === 0) {
        // The token may have expired or the challenge changed (basic vs bearer, a new realm).
        // A streamed body cannot be resent here; the caller reopens its stream and retries.
        const fresh = this.stateFromChallenge(res);
        if (fresh) {
          state = fresh;
          this.auth = Promise.resolve(fresh);
        }
        this.tokens.clear();
        if (replayable && state.kind !== 'none') continue;
      }
      const creds = await this.credentials();
      throw this.authError(repository, res.status, creds, describeDiagnostics(diags) || undefined);
    }
  }

  private async follow(first: HttpResponse, firstUrl: string, authz: string | undefined): Promise<HttpResponse> {
    let res = first;
    let url = firstUrl;
    const origin = new URL(this.baseUrl).origin;
    for (let hops = 0; res.status >= 300 && res.status < 400 && res.headers.get('location'); hops++) {
      if (hops >= 10) throw new RegistryError('REGISTRY_ERROR', `registry ${this.registry} redirected more than 10 times for ${redactUrl(firstUrl)}`);
      await res.discard();
      url = new URL(res.headers.get('location') as string, url).toString();
      // Storage redirects (pre-signed URLs) must not receive the registry's credentials.
      const headers: Record<string, string> = {};
      if (authz && new URL(url).origin === origin) headers.authorization = authz;
      res = await this.send(url, { method: 'GET', headers });
    }
    return res;
  }

  /** Throw the right typed error for an unexpected response (consumes the body). */
  async fail(res: HttpResponse, what: string, repository?: string): Promise<never> {
    const text = await res.text().catch(() => '');
    const diagnostics = parseDiagnostics(text);
    if (res.status === 401 || res.status === 403) throw this.authError(repository, res.status, await this.credentials(), describeDiagnostics(diagnostics) || undefined);
    const d = describeDiagnostics(diagnostics);
    throw new RegistryError('REGISTRY_ERROR', `registry ${this.registry} answered ${res.status} ${res.statusText} to ${what}${d ? `: ${d}` : ''}`, {
      status: res.status,
      diagnostics,
      hint: 'see the registry diagnostics in the message; retry if the registry was busy',
    });
  }
}

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}
