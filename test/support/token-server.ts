// A real token issuer for distribution's `auth: token` (the docker registry token protocol):
// a node http server that checks Basic credentials (or an OAuth2 refresh token), and answers
// with a JWT signed RS256 by a key whose self-signed certificate is the registry's
// rootcertbundle (sent in the x5c header, which distribution verifies against that bundle).
// It records the scopes it was asked for so tests can assert what the client requested.
import { execFileSync } from 'node:child_process';
import { createSign, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  rootCertBundle: string;
  /** Every token request: the user (or `<refresh>`/`<anonymous>`) and the scopes asked for. */
  requests: { user: string; scopes: string[]; ok: boolean }[];
  stop(): Promise<void>;
}

export interface TokenServerOptions {
  dir: string;
  users: Record<string, string>;
  /** Refresh tokens (docker identitytoken) accepted, each mapped to a user. */
  refreshTokens?: Record<string, string>;
  /** Users granted only `pull`, whatever they ask for. */
  readOnly?: string[];
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

async function body(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of req) s += (c as Buffer).toString();
  return s;
}

export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const key = join(opts.dir, 'token.key');
  const cert = join(opts.dir, 'token.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=creach-test-token-issuer'], { stdio: 'ignore' });
  const keyPem = readFileSync(key, 'utf8');
  const certDer = new X509Certificate(readFileSync(cert)).raw;
  const service = 'creach-test-registry';
  const issuer = 'creach-test-issuer';
  const requests: TokenServer['requests'] = [];

  const issue = (user: string, scopes: string[]): string => {
    const access = scopes.map((s) => {
      const [type, ...rest] = s.split(':');
      const actions = (rest.pop() ?? '').split(',').filter(Boolean);
      return { type, name: rest.join(':'), actions: opts.readOnly?.includes(user) ? actions.filter((a) => a === 'pull') : actions };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')] };
    const claims = { iss: issuer, sub: user, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = createSign('RSA-SHA256').update(input).sign(keyPem);
    return `${input}.${b64url(sig)}`;
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      let user: string | undefined;
      let scopes: string[];
      if (req.method === 'POST') {
        const form = new URLSearchParams(await body(req));
        scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        const rt = form.get('refresh_token') ?? '';
        user = form.get('grant_type') === 'refresh_token' ? opts.refreshTokens?.[rt] : undefined;
        if (!user) {
          requests.push({ user: '<refresh>', scopes, ok: false });
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
          return;
        }
      } else {
        scopes = url.searchParams.getAll('scope');
        const authz = req.headers.authorization ?? '';
        if (authz.startsWith('Basic ')) {
          const [u, ...p] = Buffer.from(authz.slice(6), 'base64').toString().split(':');
          if (opts.users[u] === undefined || opts.users[u] !== p.join(':')) {
            requests.push({ user: u, scopes, ok: false });
            res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"incorrect username or password"}');
            return;
          }
          user = u;
        } else {
          requests.push({ user: '<anonymous>', scopes, ok: false });
          res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="creach-test"' }).end('{"details":"credentials required"}');
          return;
        }
      }
      requests.push({ user, scopes, ok: true });
      const token = issue(user, scopes);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
    })().catch((e) => res.writeHead(500).end(String(e)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertBundle: cert,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
