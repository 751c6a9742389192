// Reads this project's own report (docs/creport.schema.json, "creach.report/v1") into a Profile.
// The JSON is already parsed by load.ts; here we check the shape we rely on and name the field
// that is wrong, because a half-understood report would silently turn used packages unreachable.
import { CreachError } from '../../errors.js';
import { FILE_OPS, addFileEvidence, isPseudoPath, type FileOp, type Profile } from './profile.js';

export const CREACH_REPORT_SCHEMA = 'creach.report/v1';

export function isCreachReport(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && typeof (doc as { schema?: unknown }).schema === 'string' && (doc as { schema: string }).schema.startsWith('creach.report/');
}

function malformed(source: string, what: string): CreachError {
  return new CreachError('REPORT_MALFORMED', `${source}: ${what}`, {
    hint: 'the report does not follow docs/creport.schema.json; collect it again from the instrumented container',
  });
}

const asRecord = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function readCreachReport(doc: unknown, source: string): Profile {
  const r = asRecord(doc);
  if (!r) throw malformed(source, 'not a JSON object');
  if (r.schema !== CREACH_REPORT_SCHEMA) {
    throw new CreachError('REPORT_UNSUPPORTED', `${source}: report schema ${JSON.stringify(r.schema)} is not supported (this creach reads ${CREACH_REPORT_SCHEMA})`, {
      hint: 'scan it with the creach version whose sensor wrote it, or re-run the app with this version',
    });
  }
  if (!Array.isArray(r.files)) throw malformed(source, '"files" is missing or not an array');
  if (typeof r.complete !== 'boolean') throw malformed(source, '"complete" is missing or not a boolean');
  const tracing = asRecord(r.tracing);
  const image = asRecord(r.image) ?? {};
  const dropped = asRecord(r.dropped) ?? {};
  const sensor = asRecord(r.sensor) ?? {};

  const exeByPid = new Map<number, string>();
  if (Array.isArray(r.processes)) {
    for (const p of r.processes) {
      const pr = asRecord(p);
      if (!pr || typeof pr.pid !== 'number') continue;
      // exe is empty when the sensor could not read it; argv[0] still says which program it was.
      const exe = typeof pr.exe === 'string' && pr.exe ? pr.exe : Array.isArray(pr.argv) && typeof pr.argv[0] === 'string' ? pr.argv[0] : '';
      if (exe) exeByPid.set(pr.pid, exe);
    }
  }

  const profile: Profile = {
    source,
    producer: 'creach',
    mode: typeof tracing?.mode === 'string' ? tracing.mode : 'unknown',
    complete: r.complete,
    incompleteReasons: Array.isArray(r.incompleteReasons) ? r.incompleteReasons.filter((x): x is string => typeof x === 'string') : [],
    dropped: {
      paths: num(dropped.paths),
      processes: num(dropped.processes),
      events: num(dropped.events),
      unreadableProcesses: num(dropped.unreadableProcesses),
    },
    image: {
      reference: typeof image.reference === 'string' && image.reference ? image.reference : undefined,
      configDigest: typeof image.configDigest === 'string' && image.configDigest ? image.configDigest : undefined,
    },
    sensorVersion: typeof sensor.version === 'string' ? sensor.version : undefined,
    files: new Map(),
  };

  // The schema promises dropped counts make complete false; enforce it rather than trust it.
  const d = profile.dropped;
  if (profile.complete && d.paths + d.processes + d.events + d.unreadableProcesses > 0) {
    profile.complete = false;
    profile.incompleteReasons.push('the report counts dropped events');
  }
  if (r.final === false) {
    // A periodic flush: the app went on running after it, so absence of evidence means nothing.
    profile.complete = false;
    profile.incompleteReasons.push('periodic flush, not the final report (the container was not stopped cleanly)');
  }
  if (profile.mode === 'none') {
    profile.complete = false;
    profile.incompleteReasons.push('no tracing engine ran');
  }

  r.files.forEach((f, i) => {
    const fr = asRecord(f);
    if (!fr || typeof fr.path !== 'string' || !Array.isArray(fr.ops)) throw malformed(source, `files[${i}] needs a string "path" and an "ops" array`);
    if (!fr.path.startsWith('/') || isPseudoPath(fr.path)) return;
    const ops: FileOp[] = [];
    for (const op of fr.ops) {
      if (!FILE_OPS.includes(op as FileOp)) throw malformed(source, `files[${i}].ops has unknown op ${JSON.stringify(op)}`);
      ops.push(op as FileOp);
    }
    // Every attempt failed (ENOENT, EACCES…): the app looked for the file, it did not use it.
    const effective: FileOp[] = fr.failed === true ? ['stat'] : ops;
    const exe = typeof fr.firstPid === 'number' ? exeByPid.get(fr.firstPid) : undefined;
    addFileEvidence(profile.files, fr.path, effective, exe ? [exe] : []);
  });
  return profile;
}
