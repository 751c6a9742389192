// The few Docker Engine API calls collect needs, over the unix socket or DOCKER_HOST (tcp://
// plain HTTP). The API version is negotiated once with /_ping: the lower of the daemon's and
// ours, so any engine from API 1.24 up answers (Debian's docker.io speaks 1.41).
import { request, type IncomingMessage } from 'node:http';
import { CreachError, errnoCode } from '../errors.js';

/** Newest API version this client was written against; older daemons get their own. */
const CLIENT_API_VERSION = '1.43';

export interface EngineTarget {
  socketPath?: string;
  host?: string;
  port?: number;
  /** What the user configured, for messages (never holds credentials). */
  display: string;
}

/** Where the engine lives: `dockerHost` (or $DOCKER_HOST), else the default unix socket. */
export function engineTarget(dockerHost = process.env.DOCKER_HOST): EngineTarget {
  const h = dockerHost?.trim();
  if (!h) return { socketPath: '/var/run/docker.sock', display: 'unix:///var/run/docker.sock' };
  if (h.startsWith('unix://')) return { socketPath: h.slice('unix://'.length), display: h };
  if (h.startsWith('tcp://') || h.startsWith('http://')) {
    const u = new URL(h.replace(/^tcp:/, 'http:'));
    return { host: u.hostname, port: Number(u.port || 2375), display: `${u.protocol}//${u.host}` };
  }
  throw new CreachError('DAEMON_UNREACHABLE', `DOCKER_HOST=${h} is not supported (only unix:// and tcp:// without TLS)`, {
    hint: 'point DOCKER_HOST at a unix socket or a plain tcp:// endpoint, or unset it',
  });
}

function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

export interface EngineResponse {
  status: number;
  body: IncomingMessage;
}

export class EngineClient {
  private version: string | undefined;

  constructor(
    readonly target: EngineTarget,
    private readonly signal?: AbortSignal,
  ) {}

  private raw(method: string, path: string): Promise<EngineResponse> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          method,
          path,
          socketPath: this.target.socketPath,
          host: this.target.socketPath ? 'localhost' : this.target.host,
          port: this.target.socketPath ? undefined : this.target.port,
          headers: { Host: 'docker' },
          signal: this.signal,
        },
        (res) => resolve({ status: res.statusCode ?? 0, body: res }),
      );
      req.on('error', (e) => reject(this.unreachable(e)));
      req.end();
    });
  }

  private unreachable(e: unknown): unknown {
    if (this.signal?.aborted) return this.signal.reason ?? e;
    const code = errnoCode(e);
    return new CreachError('DAEMON_UNREACHABLE', `cannot reach the Docker engine at ${this.target.display}: ${code ?? (e as Error).message}`, {
      hint: code === 'EACCES' ? 'add your user to the docker group or run as root' : 'start the Docker engine (or set DOCKER_HOST to where it listens)',
      cause: e,
    });
  }

  /** The API version both sides speak, from /_ping's API-Version header. */
  async apiVersion(): Promise<string> {
    if (this.version) return this.version;
    const res = await this.raw('GET', '/_ping');
    res.body.resume();
    const header = res.body.headers['api-version'];
    const server = Array.isArray(header) ? header[0] : header;
    if (res.status !== 200) {
      throw new CreachError('DAEMON_ERROR', `the Docker engine at ${this.target.display} answered /_ping with HTTP ${res.status}`, {
        hint: 'check that DOCKER_HOST points at a Docker engine',
      });
    }
    this.version = server && compareVersions(server, CLIENT_API_VERSION) < 0 ? server : CLIENT_API_VERSION;
    return this.version;
  }

  /** A versioned request; the caller reads or drains the body. */
  async get(path: string): Promise<EngineResponse> {
    const v = await this.apiVersion();
    return this.raw('GET', `/v${v}${path}`);
  }

  /** GET returning parsed JSON; non-2xx becomes DAEMON_ERROR with the daemon's message. */
  async getJson<T>(path: string): Promise<T> {
    const res = await this.get(path);
    const text = await readText(res.body);
    if (res.status < 200 || res.status >= 300) throw daemonError(this.target, path, res.status, text);
    return JSON.parse(text) as T;
  }
}

export async function readText(body: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export function daemonMessage(text: string): string {
  try {
    const m = (JSON.parse(text) as { message?: string }).message;
    if (m) return m;
  } catch {
    // not JSON: use the text itself
  }
  return text.trim().slice(0, 200);
}

export function daemonError(target: EngineTarget, path: string, status: number, text: string): CreachError {
  return new CreachError('DAEMON_ERROR', `the Docker engine at ${target.display} refused ${path.split('?')[0]}: HTTP ${status}: ${daemonMessage(text)}`, {
    hint: 'see the engine log for details',
  });
}
