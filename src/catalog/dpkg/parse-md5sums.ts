// dpkg's per-package side files, pure text → records:
// - `<pkg>.md5sums`: "<md5>  <path without leading slash>" per line
// - `<pkg>.list`: one absolute path per line (directories included, "/." for the root)
// - `<pkg>.conffiles`: one absolute path per line (optionally "remove-on-upgrade"/"obsolete" flags before)
import type { ParseProblem } from '../generic.js';

export interface Md5Record {
  path: string;
  digest: string;
}

export function parseMd5sums(text: string): { records: Md5Record[]; problems: ParseProblem[] } {
  const records: Md5Record[] = [];
  const problems: ParseProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (!line.trim()) continue;
    const m = /^([0-9a-fA-F]{32})\s+\*?(.+)$/.exec(line);
    if (!m) {
      problems.push({ message: `md5sums line is not "<md5>  <path>": ${JSON.stringify(line.slice(0, 60))}`, line: i + 1 });
      continue;
    }
    const p = m[2]!;
    records.push({ path: p.startsWith('/') ? p : `/${p}`, digest: m[1]!.toLowerCase() });
  }
  return { records, problems };
}

export function parseList(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!line || line === '/.' || line === '/') continue;
    out.push(line.startsWith('/') ? line : `/${line}`);
  }
  return out;
}

export function parseConffilesFile(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const t = raw.trim();
    if (!t) continue;
    // dpkg ≥ 1.20.1 may prefix flags: "remove-on-upgrade /etc/foo"
    const path = t.split(/\s+/).find((w) => w.startsWith('/'));
    if (path) out.push(path);
  }
  return out;
}
