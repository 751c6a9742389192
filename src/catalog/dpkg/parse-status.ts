// The dpkg "status" format (deb822): stanzas separated by blank lines, `Field: value` lines,
// continuation lines starting with a space or tab. Pure: text → entries + problems. A stanza
// with a line that is neither a field nor a continuation, or with fields but no Package, is a
// problem (reported, not guessed at); a stanza that is only an empty "Package:" is nothing.
import type { ParseProblem } from '../generic.js';

export interface DpkgConffile {
  path: string;
  digest: string;
  obsolete: boolean;
}

export interface DpkgEntry {
  package: string;
  version: string;
  architecture?: string;
  source?: string;
  sourceVersion?: string;
  status?: string;
  maintainer?: string;
  installedSize?: number;
  provides: string[];
  depends: string[];
  preDepends: string[];
  description?: string;
  conffiles: DpkgConffile[];
  /** 1-based line where the stanza starts. */
  line: number;
  /** Every field as written (continuations joined with '\n'). */
  fields: Record<string, string>;
}

export interface DpkgStatusParse {
  entries: DpkgEntry[];
  problems: ParseProblem[];
}

/** "Source: name (version)" → name + version. */
export function parseSource(v: string): { name: string; version?: string } {
  const m = /^(\S+)\s*\(([^)]*)\)\s*$/.exec(v.trim());
  if (m) return { name: m[1]!, version: m[2]!.trim() };
  return { name: v.trim() };
}

/** Installed-Size is KiB by default; tolerate an explicit unit suffix. */
export function parseInstalledSize(v: string): number | undefined {
  const m = /^\s*(\d+)\s*([kmg]i?b?)?\s*$/i.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase()[0];
  return unit === 'm' ? n * 1024 : unit === 'g' ? n * 1024 * 1024 : n;
}

function splitList(v: string | undefined): string[] {
  if (!v) return [];
  return v
    .split(',')
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

function parseConffiles(v: string | undefined): DpkgConffile[] {
  if (!v) return [];
  const out: DpkgConffile[] = [];
  for (const line of v.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 2 || !parts[0]) continue;
    out.push({ path: parts[0], digest: parts[1]!, obsolete: parts.slice(2).includes('obsolete') });
  }
  return out;
}

/** dpkg's notion: only these states mean the package's files are not on disk. */
export function isInstalled(status: string | undefined): boolean {
  if (status === undefined) return true; // distroless status.d stanzas carry no Status
  const state = status.trim().split(/\s+/)[2];
  return state !== 'not-installed' && state !== 'config-files';
}

export function parseDpkgStatus(text: string): DpkgStatusParse {
  const entries: DpkgEntry[] = [];
  const problems: ParseProblem[] = [];
  const lines = text.split('\n');
  let fields: Record<string, string> = {};
  let order: string[] = [];
  let start = 0;
  let bad: ParseProblem | undefined;
  let last: string | undefined;

  const flush = (): void => {
    if (order.length === 0 && !bad) return;
    const name = fields.Package?.trim() ?? '';
    if (bad) {
      problems.push(name ? { ...bad, package: name } : bad);
    } else if (!name) {
      // Only "Package:" with nothing else: an empty stanza, not a package and not a problem.
      if (order.some((k) => k !== 'Package')) problems.push({ message: 'stanza has fields but no Package name', line: start });
    } else {
      entries.push(toEntry(fields, start));
    }
    fields = {};
    order = [];
    bad = undefined;
    last = undefined;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (order.length === 0 && !bad) start = i + 1;
    if (bad) continue;
    if (line[0] === ' ' || line[0] === '\t') {
      if (last === undefined) {
        bad = { message: 'continuation line before any field', line: i + 1 };
        continue;
      }
      fields[last] += '\n' + line.slice(1);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || /\s/.test(line.slice(0, colon))) {
      bad = { message: `line is not a "Field: value" line: ${JSON.stringify(line.slice(0, 60))}`, line: i + 1 };
      continue;
    }
    const key = line.slice(0, colon);
    fields[key] = line.slice(colon + 1).trim();
    order.push(key);
    last = key;
  }
  flush();
  return { entries, problems };
}

function toEntry(f: Record<string, string>, line: number): DpkgEntry {
  const e: DpkgEntry = {
    package: f.Package!.trim(),
    version: (f.Version ?? '').trim(),
    provides: splitList(f.Provides),
    depends: splitList(f.Depends),
    preDepends: splitList(f['Pre-Depends']),
    conffiles: parseConffiles(f.Conffiles),
    line,
    fields: f,
  };
  if (f.Architecture) e.architecture = f.Architecture.trim();
  if (f.Source) {
    const s = parseSource(f.Source);
    e.source = s.name;
    if (s.version) e.sourceVersion = s.version;
  }
  if (f.Status !== undefined) e.status = f.Status.trim();
  if (f.Maintainer) e.maintainer = f.Maintainer.trim();
  if (f['Installed-Size']) {
    const n = parseInstalledSize(f['Installed-Size']);
    if (n !== undefined) e.installedSize = n;
  }
  if (f.Description !== undefined) e.description = f.Description;
  return e;
}
