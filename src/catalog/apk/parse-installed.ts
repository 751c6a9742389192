// Alpine's /lib/apk/db/installed: one "X:value" line per field, packages separated by a blank
// line. File records: F: starts a directory (M: gives its owner:group:mode), R: a file in the
// current directory (a: owner:group:mode, Z: its Q1-base64 SHA-1). Pure: text → entries + problems.
import type { ParseProblem } from '../generic.js';

export interface ApkFileRecord {
  path: string;
  isDir: boolean;
  uid?: number;
  gid?: number;
  mode?: number;
  digest?: string;
}

export interface ApkEntry {
  package: string;
  version: string;
  arch?: string;
  origin?: string;
  license?: string;
  url?: string;
  description?: string;
  maintainer?: string;
  size?: number;
  installedSize?: number;
  checksum?: string;
  commit?: string;
  depends: string[];
  provides: string[];
  files: ApkFileRecord[];
  /** 1-based line where the stanza starts. */
  line: number;
}

function perms(v: string): { uid?: number; gid?: number; mode?: number } {
  const [u, g, m] = v.split(':');
  const out: { uid?: number; gid?: number; mode?: number } = {};
  if (u && /^\d+$/.test(u)) out.uid = Number(u);
  if (g && /^\d+$/.test(g)) out.gid = Number(g);
  if (m && /^[0-7]+$/.test(m)) out.mode = Number.parseInt(m, 8);
  return out;
}

export function parseApkInstalled(text: string): { entries: ApkEntry[]; problems: ParseProblem[] } {
  const entries: ApkEntry[] = [];
  const problems: ParseProblem[] = [];
  let cur: ApkEntry | undefined;
  let bad: ParseProblem | undefined;
  let dir: ApkFileRecord | undefined;
  let file: ApkFileRecord | undefined;
  let start = 0;

  const fresh = (line: number): ApkEntry => ({ package: '', version: '', depends: [], provides: [], files: [], line });
  const flush = (): void => {
    if (bad) problems.push(cur?.package ? { ...bad, package: cur.package } : bad);
    else if (cur) {
      if (!cur.package) problems.push({ message: 'package stanza has no P: (name) field', line: cur.line });
      else entries.push(cur);
    }
    cur = undefined;
    bad = undefined;
    dir = undefined;
    file = undefined;
  };

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (!cur && !bad) start = i + 1;
    if (bad) continue;
    if (line.length < 2 || line[1] !== ':') {
      bad = { message: `line is not an "X:value" field: ${JSON.stringify(line.slice(0, 60))}`, line: i + 1 };
      continue;
    }
    cur ??= fresh(start);
    const key = line[0]!;
    const v = line.slice(2);
    switch (key) {
      case 'P':
        cur.package = v;
        break;
      case 'V':
        cur.version = v;
        break;
      case 'A':
        cur.arch = v;
        break;
      case 'o':
        cur.origin = v;
        break;
      case 'L':
        cur.license = v;
        break;
      case 'U':
        cur.url = v;
        break;
      case 'T':
        cur.description = v;
        break;
      case 'm':
        cur.maintainer = v;
        break;
      case 'S':
        cur.size = Number(v);
        break;
      case 'I':
        cur.installedSize = Number(v);
        break;
      case 'C':
        cur.checksum = v;
        break;
      case 'c':
        cur.commit = v;
        break;
      case 'D':
        cur.depends = v.split(/\s+/).filter(Boolean);
        break;
      case 'p':
        cur.provides = v.split(/\s+/).filter(Boolean);
        break;
      case 'F':
        dir = { path: '/' + v.replace(/^\/+/, ''), isDir: true };
        file = undefined;
        cur.files.push(dir);
        break;
      case 'M':
        if (dir) Object.assign(dir, perms(v));
        break;
      case 'R': {
        const base = dir ? dir.path : '';
        file = { path: `${base}/${v}`, isDir: false };
        cur.files.push(file);
        break;
      }
      case 'a':
        if (file) Object.assign(file, perms(v));
        break;
      case 'Z':
        if (file) file.digest = v;
        break;
      default:
        // r (replaces), q, i, k, t (build time), … are not needed for ownership.
        break;
    }
  }
  flush();
  return { entries, problems };
}
