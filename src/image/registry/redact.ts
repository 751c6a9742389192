// Nothing that grants access may reach a log line or an error message: user:password in URLs,
// token-like query parameters (pre-signed storage redirects carry signatures), Authorization
// headers and token bodies.

const SECRET_PARAMS = /^(access_token|token|refresh_token|password|secret|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|_state)$/i;

/** A URL safe to log: credentials and token-like query values replaced by REDACTED. */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return String(url).replace(/\/\/[^/@]*@/, '//REDACTED@');
  }
  if (u.username || u.password) {
    u.username = 'REDACTED';
    u.password = '';
  }
  for (const key of [...u.searchParams.keys()]) {
    if (SECRET_PARAMS.test(key)) u.searchParams.set(key, 'REDACTED');
  }
  return u.toString();
}

/** Headers safe to log. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    out[k] = /^(authorization|proxy-authorization|cookie|set-cookie|x-registry-auth)$/i.test(k) ? `${v.split(' ')[0]} REDACTED` : v;
  }
  return out;
}

/** Remove anything that looks like a credential from free text (registry diagnostics, causes). */
export function redactText(text: string): string {
  return text
    .replace(/(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, '$1 REDACTED')
    .replace(/("(?:token|access_token|refresh_token|password|secret|identitytoken)"\s*:\s*)"[^"]*"/gi, '$1"REDACTED"')
    .replace(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, 'REDACTED-JWT')
    .replace(/\/\/[^/@\s]+:[^/@\s]+@/g, '//REDACTED@');
}
