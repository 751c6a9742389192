// Package URLs, encoded as the purl spec says: type and namespace lower-case; each component
// percent-encoded except ':' (unambiguous everywhere) ; qualifiers sorted by key, empty ones
// dropped; namespace segments encoded one by one.

function enc(s: string): string {
  return encodeURIComponent(s).replace(/%3A/gi, ':');
}

export interface PurlParts {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  qualifiers?: Record<string, string | undefined>;
}

export function purl(p: PurlParts): string {
  let out = `pkg:${p.type.toLowerCase()}/`;
  if (p.namespace) out += p.namespace.split('/').map((s) => enc(s.toLowerCase())).join('/') + '/';
  out += enc(p.name);
  if (p.version) out += `@${enc(p.version)}`;
  const q = Object.entries(p.qualifiers ?? {})
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => [k.toLowerCase(), v] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (q.length) out += '?' + q.map(([k, v]) => `${k}=${enc(v)}`).join('&');
  return out;
}
