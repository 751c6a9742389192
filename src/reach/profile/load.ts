// Finds every creport.json under the --profiling-data-dir folders (replicas, test runs, the
// layout `collect` writes) and reads each with the reader for its producer.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CreachError, errnoCode } from '../../errors.js';
import type { OpContext } from '../../log.js';
import { isCreachReport, readCreachReport } from './creach.js';
import { isMintReport, readMintReport } from './mint.js';
import type { Profile } from './profile.js';

export const REPORT_FILE_NAME = 'creport.json';

/** Line and column (1-based) of a character offset, for error messages a person can follow. */
function lineCol(text: string, offset: number): string {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return `line ${line}, column ${offset - last}`;
}

/** Parse a report's text; a syntax error names the file and where it broke. */
export function parseReport(text: string, source: string): Profile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /at position (\d+)/.exec(msg);
    const where = m ? ` at ${lineCol(text, Number(m[1]))} (byte ${m[1]})` : /end of JSON input/.test(msg) ? ` at the end (${text.length} bytes: truncated?)` : '';
    throw new CreachError('REPORT_MALFORMED', `${source}: not valid JSON${where}: ${msg.replace(/ in JSON at position \d+$/, '')}`, {
      hint: 'the report was cut short or edited; copy it again from the container (creach container collect)',
      cause: e,
    });
  }
  if (isCreachReport(doc)) return readCreachReport(doc, source);
  if (isMintReport(doc)) return readMintReport(doc, source);
  throw new CreachError('REPORT_UNSUPPORTED', `${source}: not a report creach knows (neither "schema": "creach.report/v1" nor a mint/slim container report)`, {
    hint: 'point --profiling-data-dir at folders holding creport.json files written by the creach or mint sensor',
  });
}

async function findReports(dir: string, out: string[], signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    // Symlinked folders are not followed: a link back up the tree would never end.
    if (e.isDirectory()) await findReports(p, out, signal);
    else if (e.isFile() && e.name === REPORT_FILE_NAME) out.push(p);
  }
}

/** Every report under `dirs` (a file path is taken as one report), read and checked. */
export async function load(dirs: string[], opts: OpContext = {}): Promise<Profile[]> {
  const files: string[] = [];
  for (const d of dirs) {
    const abs = resolve(d);
    let st;
    try {
      st = await stat(abs);
    } catch (e) {
      throw new CreachError('REPORT_NOT_FOUND', `profiling data folder ${d} ${errnoCode(e) === 'ENOENT' ? 'does not exist' : 'cannot be read'}`, {
        hint: 'pass the folder `creach container collect --output-dir` wrote, or one holding creport.json files',
        cause: e,
      });
    }
    const found: string[] = [];
    if (st.isFile()) found.push(abs);
    else await findReports(abs, found, opts.signal);
    if (found.length === 0) {
      throw new CreachError('REPORT_NOT_FOUND', `no ${REPORT_FILE_NAME} under ${d}`, {
        hint: 'collect reports first (creach container collect), or drop this --profiling-data-dir',
      });
    }
    files.push(...found);
  }
  const unique = [...new Set(files)];
  const profiles: Profile[] = [];
  for (const f of unique) {
    opts.signal?.throwIfAborted();
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (e) {
      throw new CreachError('REPORT_NOT_FOUND', `cannot read ${f}: ${(e as Error).message}`, { cause: e });
    }
    const p = parseReport(text, f);
    opts.log?.debug(`profile ${f}: ${p.producer} ${p.mode}, ${p.files.size} paths, complete=${p.complete}`);
    profiles.push(p);
  }
  return profiles;
}
