// A narrow Docker Engine API client: only the calls creach makes (ping, image inspect, image
// export, image load; for collect: list containers, GET a container's archive). Unix socket or
// DOCKER_HOST (unix:// or tcp://); the API version is negotiated once with /_ping so engines
// from API 1.41 up work.
import { request, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { CreachError, errnoCode } from '../../errors.js';

const MIN_API = '1.41';
const MAX_API = '1.47';

export interface EngineOptions {
  /** unix:///var/run/docker.sock, tcp://host:port (default: DOCKER_HOST or the standard socket). */
  dockerHost?: string;
  signal?: AbortSignal;
}

export interface Endpoint {
  socketPath?: string;
  host?: string;
  port?: number;
  /** What the user configured, for messages (never holds credentials). */
  display: string;
}

/** Where the engine lives: `dockerHost` (or $DOCKER_HOST), else the default unix socket. */
export function engineEndpoint(dockerHost?: string): Endpoint {
  const h = (dockerHost || process.env.DOCKER_HOST)?.trim() || 'unix:///var/run/docker.sock';
  if (h.startsWith('unix://')) return { socketPath: h.slice('unix://'.length), display: h };
  if (h.startsWith('tcp://') || h.startsWith('http://')) {
    const u = new URL(h.replace(/^tcp:/, 'http:'));
    // Not the URL as given: it may carry user:password.
    return { host: u.hostname, port: Number(u.port || 2375), display: `${u.protocol}//${u.host}` };
  }
  throw new CreachError('DAEMON_UNREACHABLE', `unsupported DOCKER_HOST ${h}`, { hint: 'use unix:///path/to/docker.sock or tcp://host:port (no TLS), or unset DOCKER_HOST' });
}

function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

export class EngineClient {
  private readonly ep: Endpoint;
  private version: string | undefined;

  constructor(private readonly opts: EngineOptions = {}) {
    this.ep = engineEndpoint(opts.dockerHost);
  }

  get where(): string {
    return this.ep.display;
  }

  private raw(method: string, path: string, body?: AsyncIterable<Buffer>, headers: Record<string, string> = {}): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          method,
          path,
          socketPath: this.ep.socketPath,
          host: this.ep.socketPath ? 'localhost' : this.ep.host,
          port: this.ep.socketPath ? undefined : this.ep.port,
          headers: { ...headers, ...(body ? { 'Transfer-Encoding': 'chunked' } : {}) },
          signal: this.opts.signal,
        },
        resolve,
      );
      req.on('error', (e) => reject(this.wrap(e)));
      if (!body) {
        req.end();
        return;
      }
      const src = Readable.from(body);
      src.on('error', (e) => {
        req.destroy(e);
        reject(e);
      });
      src.pipe(req);
    });
  }

  private wrap(e: unknown): unknown {
    if (this.opts.signal?.aborted) return this.opts.signal.reason ?? e;
    const code = errnoCode(e);
    // Any connection failure (socket missing, refused, name not resolved, reset): the engine is not there for us.
    if (code) {
      return new CreachError('DAEMON_UNREACHABLE', `cannot reach the Docker engine at ${this.ep.display} (${code})`, {
        hint: code === 'EACCES' ? 'you lack permission for the socket; join the docker group or run as root' : 'start the Docker engine, or set DOCKER_HOST to where it listens',
        cause: e,
      });
    }
    return e;
  }

  /** Negotiate the API version once: the lower of the engine's and ours. */
  async apiVersion(): Promise<string> {
    if (this.version) return this.version;
    const res = await this.raw('GET', '/_ping');
    res.resume();
    if (res.statusCode !== 200) {
      throw new CreachError('DAEMON_ERROR', `the Docker engine at ${this.ep.display} answered /_ping with HTTP ${res.statusCode}`, {
        hint: 'check that DOCKER_HOST points at a Docker engine',
      });
    }
    const header = res.headers['api-version'];
    const server = (Array.isArray(header) ? header[0] : header) ?? MIN_API;
    if (compareVersions(server, MIN_API) < 0) {
      throw new CreachError('DAEMON_ERROR', `the Docker engine at ${this.ep.display} speaks API ${server}; creach needs ${MIN_API} or newer`, { hint: 'upgrade the Docker engine' });
    }
    this.version = compareVersions(server, MAX_API) > 0 ? MAX_API : server;
    return this.version;
  }

  private async call(method: string, path: string, body?: AsyncIterable<Buffer>, headers?: Record<string, string>): Promise<IncomingMessage> {
    const v = await this.apiVersion();
    return this.raw(method, `/v${v}${path}`, body, headers);
  }

  private async failure(res: IncomingMessage, what: string): Promise<CreachError> {
    const text = (await readAll(res)).toString('utf8');
    let message = text.trim();
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // plain text body
    }
    return new CreachError('DAEMON_ERROR', `${what}: the Docker engine answered ${res.statusCode}: ${message.split('\n')[0]}`, { hint: 'see the engine log (journalctl -u docker) for detail' });
  }

  /** Image inspect; undefined when the engine has no such image. */
  async inspect(name: string): Promise<ImageInspect | undefined> {
    const res = await this.call('GET', `/images/${encodeURIComponent(name)}/json`);
    if (res.statusCode === 404) {
      res.resume();
      return undefined;
    }
    if (res.statusCode !== 200) throw await this.failure(res, `inspect ${name}`);
    return JSON.parse((await readAll(res)).toString('utf8')) as ImageInspect;
  }

  /** `docker save` as a stream. */
  async export(name: string): Promise<IncomingMessage> {
    const res = await this.call('GET', `/images/get?names=${encodeURIComponent(name)}`);
    if (res.statusCode !== 200) throw await this.failure(res, `export ${name}`);
    return res;
  }

  /** All containers, running or stopped. */
  async containers(): Promise<ContainerSummary[]> {
    const res = await this.call('GET', '/containers/json?all=1');
    if (res.statusCode !== 200) throw await this.failure(res, 'list containers');
    return JSON.parse((await readAll(res)).toString('utf8')) as ContainerSummary[];
  }

  /** A tar of `path` in a container (running or stopped); undefined when the path does not exist. */
  async containerArchive(id: string, path: string): Promise<IncomingMessage | undefined> {
    const res = await this.call('GET', `/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(path)}`);
    if (res.statusCode === 404) {
      res.resume();
      return undefined;
    }
    if (res.statusCode !== 200) throw await this.failure(res, `read ${path} of container ${id.slice(0, 12)}`);
    return res;
  }

  /** `docker load` from a tar stream; the engine reports errors in-band in its JSON stream. */
  async load(body: AsyncIterable<Buffer>): Promise<string[]> {
    const res = await this.call('POST', '/images/load', body, { 'Content-Type': 'application/x-tar' });
    if (res.statusCode !== 200) throw await this.failure(res, 'load');
    const text = (await readAll(res)).toString('utf8');
    const loaded: string[] = [];
    for (const line of text.split(/\r?\n/)) {
      if (!line.trim()) continue;
      let msg: { stream?: string; error?: string; errorDetail?: { message?: string } };
      try {
        msg = JSON.parse(line);
      } catch {
        continue;
      }
      if (msg.errorDetail || msg.error) {
        throw new CreachError('DAEMON_ERROR', `the Docker engine refused the image: ${(msg.errorDetail?.message ?? msg.error ?? '').split('\n')[0]}`, {
          hint: 'see the engine log for detail; check the image with `skopeo inspect docker-archive:FILE` after writing it with --output-image-tar',
        });
      }
      const m = /Loaded image(?: ID)?: (\S+)/.exec(msg.stream ?? '');
      if (m) loaded.push(m[1]);
    }
    return loaded;
  }
}

export interface ImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Size?: number;
  Os?: string;
  Architecture?: string;
  Variant?: string;
}

export interface ContainerSummary {
  Id: string;
  Names?: string[];
  Image: string;
  ImageID: string;
  Labels?: Record<string, string> | null;
  State?: string;
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
