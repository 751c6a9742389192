// Reading and checking creport.json in the sensor tests: schema validation against
// docs/creport.schema.json, and "is this file in the report with this op" after canonicalising
// paths through the image's own symlinks (merged /usr: /lib/x/libc.so.6 is /usr/lib/x/libc.so.6),
// the way scan will match them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { docker, repoRoot } from './sensor-images.js';

export type ReportOp = 'read' | 'write' | 'exec' | 'mmap' | 'stat';

export interface ReportFile {
  path: string;
  ops: ReportOp[];
  counts?: Record<string, number>;
  firstPid?: number;
  failed?: boolean;
}

export interface ReportProcess {
  pid: number;
  ppid: number;
  exe: string;
  argv: string[];
  start?: string | null;
  end?: string | null;
}

export interface CReport {
  schema: string;
  sensor: { version: string; arch: string };
  image: { reference: string; configDigest: string; manifestDigest?: string };
  tracing: { mode: string; helpers?: string[]; noNewPrivs?: boolean; fallbackReasons?: string[] };
  complete: boolean;
  incompleteReasons?: string[];
  final: boolean;
  dropped: Record<string, number>;
  startedAt: string;
  updatedAt: string;
  stoppedAt?: string | null;
  app: { argv: string[]; exitStatus?: number | null; signal?: number | null };
  processes: ReportProcess[];
  files: ReportFile[];
}

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv2020) => Ajv2020;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validateSchema = ajv.compile(JSON.parse(readFileSync(path.join(repoRoot, 'docs/creport.schema.json'), 'utf8')));

/** Parses and validates a report; throws with every schema error listed. */
export function parseReport(text: string, where: string): CReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: report is not JSON (${String(e)}): ${text.slice(0, 200)}`);
  }
  if (!validateSchema(doc)) {
    const errs = (validateSchema.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new Error(`${where}: report does not match docs/creport.schema.json: ${errs}`);
  }
  return doc as CReport;
}

/**
 * Canonical paths (realpath -m) inside `image`, so that a path named through a symlink and the
 * same file named by its target compare equal. Missing files (deleted temp files) keep their
 * lexical form with symlinked parents resolved.
 */
export async function canonicalize(image: string, paths: Iterable<string>): Promise<Map<string, string>> {
  const list = [...new Set(paths)].filter((p) => p.startsWith('/') && !p.includes('\n'));
  const out = new Map<string, string>();
  if (list.length === 0) return out;
  const r = await docker(['run', '--rm', '-i', '--network', 'host', '--entrypoint', 'xargs', image, '-d', '\\n', 'realpath', '-m', '--'], {
    input: list.join('\n') + '\n',
  });
  if (r.code !== 0) throw new Error(`realpath in ${image} failed: ${r.stderr.trim()}`);
  const lines = r.stdout.split('\n');
  list.forEach((p, i) => out.set(p, lines[i] ?? p));
  return out;
}

/** A report indexed by canonical path: the union of ops over every report entry for that file. */
export class ReportIndex {
  private byCanonical = new Map<string, Set<ReportOp>>();
  constructor(readonly report: CReport, private readonly canon: Map<string, string>) {
    for (const f of report.files) {
      if (f.failed) continue;
      const c = canon.get(f.path) ?? f.path;
      const set = this.byCanonical.get(c) ?? new Set<ReportOp>();
      for (const op of f.ops) set.add(op);
      this.byCanonical.set(c, set);
    }
  }
  canonical(p: string): string {
    return this.canon.get(p) ?? p;
  }
  ops(p: string): Set<ReportOp> | undefined {
    return this.byCanonical.get(this.canonical(p));
  }
  /**
   * True when the file is in the report with any of `anyOf`. A path with U+FFFD (a byte that is not
   * UTF-8, whose JSON spelling is the sensor's choice) matches any report path that differs there.
   */
  has(p: string, anyOf: ReportOp[]): boolean {
    const ops = p.includes('\uFFFD') ? this.fuzzy(p) : this.ops(p);
    return !!ops && anyOf.some((o) => ops.has(o));
  }
  private fuzzy(p: string): Set<ReportOp> | undefined {
    const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`^${p.split('\uFFFD').map(esc).join('.{1,12}')}$`, 's');
    for (const [k, ops] of this.byCanonical) if (re.test(k)) return ops;
    return undefined;
  }
}

/** Lines "creach-expect: OP PATH" printed by the workloads. */
export function expectLines(stdout: string, prefix = 'creach-expect:'): { op: ReportOp; path: string }[] {
  const out: { op: ReportOp; path: string }[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(prefix + ' ')) continue;
    const rest = line.slice(prefix.length + 1);
    const sp = rest.indexOf(' ');
    out.push({ op: rest.slice(0, sp) as ReportOp, path: rest.slice(sp + 1) });
  }
  return out;
}
