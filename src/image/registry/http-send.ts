// The registry's HTTP, on node:http(s) rather than fetch: a streamed request body stays at a
// few buffers (Node 20's fetch kept every chunk of a 300 MB layer alive until the request
// ended), and response bodies are plain node Readables, so blobs stream without web-stream
// conversion. Redirects are never followed here; the transport decides.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

/** No bytes in either direction for this long → the request fails (ETIMEDOUT). */
const IDLE_TIMEOUT_MS = 120_000;

export class HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  private readonly res: IncomingMessage;

  private readonly head: boolean;

  constructor(res: IncomingMessage, head: boolean) {
    this.res = res;
    this.head = head;
    this.status = res.statusCode ?? 0;
    this.statusText = res.statusMessage ?? '';
    this.headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined) continue;
      for (const x of Array.isArray(v) ? v : [v]) this.headers.append(k, x);
    }
  }

  /** The body as a stream (read it or discard it). */
  stream(): Readable {
    return this.res;
  }

  /** The whole body; bodies over `limit` bytes are cut off with an error (a registry is untrusted input). */
  async buffer(limit = 16 * 1024 * 1024): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of this.res) {
      n += (c as Buffer).length;
      if (n > limit) {
        this.res.destroy();
        throw Object.assign(new Error(`response body is larger than ${limit} bytes`), { code: 'ETOOBIG' });
      }
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks);
  }

  /** Error bodies and token answers: small; longer ones are cut, not buffered. */
  async text(): Promise<string> {
    return (await this.buffer(1024 * 1024)).toString('utf8');
  }

  /** Drop the body without reading it: small ones are drained so the connection is reused. */
  async discard(): Promise<void> {
    if (this.res.readableEnded) return;
    const length = Number(this.headers.get('content-length') ?? 'NaN');
    if (this.head || this.status === 204 || this.status === 304 || (length >= 0 && length < 1024 * 1024)) {
      this.res.resume();
      return;
    }
    this.res.destroy();
  }
}

export interface HttpSendInit {
  method: string;
  headers?: Record<string, string>;
  body?: Buffer | string | Readable;
}

export function httpSend(url: string, init: HttpSendInit, signal?: AbortSignal, skipTlsVerify = false): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if ((typeof init.body === 'string' || Buffer.isBuffer(init.body)) && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length')) {
      headers['content-length'] = String(Buffer.byteLength(init.body));
    }
    const req = send(u, { method: init.method, headers, signal, ...(skipTlsVerify ? { rejectUnauthorized: false } : {}) }, (res) => {
      res.on('error', () => {}); // surfaced to whoever reads the body
      resolve(new HttpResponse(res, init.method === 'HEAD'));
    });
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(Object.assign(new Error(`no answer from ${u.host} for ${IDLE_TIMEOUT_MS / 1000}s`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    const body = init.body;
    if (body instanceof Readable) {
      body.on('error', (e) => {
        req.destroy();
        reject(e);
      });
      body.pipe(req);
    } else {
      req.end(body);
    }
  });
}
