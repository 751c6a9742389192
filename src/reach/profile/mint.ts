// Reads the creport.json written by the mint (formerly slim / docker-slim) sensor, so users of
// those tools can reuse what they recorded. The fields used, as that sensor writes them
// (pkg/report/container_report.go):
//   document: "doc.report.container"
//   monitors.fan.processes:      { "<pid>": { pid, name, path, cmd, ... } }
//   monitors.fan.process_files:  { "<pid>": { "<path>": { event_count, reads?, writes?, execs? } } }
//   monitors.pt.fs_activity:     { "<path>": { ops_all, ops_checkfile, pids: { "<pid>": {} } } }
//   image.files[]:               { file_path, flags: { R?, W?, X? } }
// mint records no image digest and no drop counters: its fanotify monitor sees every open on
// the container's root mount, so a report with monitor data is taken as complete, and the image
// pairing cannot be verified (scan warns).
import { CreachError } from '../../errors.js';
import { addFileEvidence, isPseudoPath, type FileOp, type Profile } from './profile.js';

export const MINT_DOCUMENT = 'doc.report.container';

const asRecord = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function isMintReport(doc: unknown): boolean {
  const r = asRecord(doc);
  if (!r) return false;
  return r.document === MINT_DOCUMENT || (asRecord(r.monitors) !== undefined && (asRecord(asRecord(r.monitors)?.fan) !== undefined || asRecord(asRecord(r.monitors)?.pt) !== undefined));
}

function malformed(source: string, what: string): CreachError {
  return new CreachError('REPORT_MALFORMED', `${source}: ${what}`, {
    hint: 'the file looks like a mint/slim sensor report but a field has an unexpected shape',
  });
}

export function readMintReport(doc: unknown, source: string): Profile {
  const r = asRecord(doc);
  if (!r) throw malformed(source, 'not a JSON object');
  const monitors = asRecord(r.monitors) ?? {};
  const fan = asRecord(monitors.fan);
  const pt = asRecord(monitors.pt);
  const imageFiles = asRecord(r.image)?.files;
  const sensor = asRecord(r.sensor);

  const profile: Profile = {
    source,
    producer: 'mint',
    mode: '',
    complete: true,
    incompleteReasons: [],
    dropped: { paths: 0, processes: 0, events: 0, unreadableProcesses: 0 },
    image: {},
    sensorVersion: typeof sensor?.version === 'string' ? sensor.version : undefined,
    files: new Map(),
  };
  const modes: string[] = [];

  const exeByPid = new Map<string, string>();
  if (fan) {
    modes.push('fanotify');
    const procs = asRecord(fan.processes) ?? {};
    for (const [pid, p] of Object.entries(procs)) {
      const pr = asRecord(p);
      const exe = typeof pr?.path === 'string' && pr.path ? pr.path : typeof pr?.name === 'string' ? pr.name : undefined;
      if (exe) exeByPid.set(pid, exe);
    }
    const main = asRecord(fan.main_process);
    if (main && typeof main.pid === 'number' && typeof main.path === 'string') exeByPid.set(String(main.pid), main.path);

    const pf = fan.process_files;
    if (pf !== undefined && pf !== null && !asRecord(pf)) throw malformed(source, 'monitors.fan.process_files is not an object');
    for (const [pid, filesOfPid] of Object.entries(asRecord(pf) ?? {})) {
      const fm = asRecord(filesOfPid);
      if (!fm) throw malformed(source, `monitors.fan.process_files["${pid}"] is not an object`);
      const exe = exeByPid.get(pid);
      for (const [path, info] of Object.entries(fm)) {
        if (!path.startsWith('/') || isPseudoPath(path)) continue;
        const fi = asRecord(info) ?? {};
        const ops: FileOp[] = [];
        if (num(fi.execs) > 0) ops.push('exec');
        if (num(fi.reads) > 0) ops.push('read');
        if (num(fi.writes) > 0) ops.push('write');
        // An event with no read/write/exec count is a plain open: the file was opened, i.e. used.
        if (ops.length === 0) ops.push('read');
        addFileEvidence(profile.files, path, ops, exe ? [exe] : []);
      }
    }
  }

  if (pt && pt.enabled !== false) {
    modes.push('ptrace');
    const fsa = pt.fs_activity;
    if (fsa !== undefined && fsa !== null && !asRecord(fsa)) throw malformed(source, 'monitors.pt.fs_activity is not an object');
    for (const [path, a] of Object.entries(asRecord(fsa) ?? {})) {
      if (!path.startsWith('/') || isPseudoPath(path)) continue;
      const ar = asRecord(a) ?? {};
      if (ar.is_subdir === true) continue; // a directory on the way to other entries, not a file use
      // ops_checkfile counts stat/access-like calls; anything beyond them was an open.
      const opened = num(ar.ops_all) > num(ar.ops_checkfile);
      const exes = Object.keys(asRecord(ar.pids) ?? {}).map((p) => exeByPid.get(p)).filter((x): x is string => !!x);
      addFileEvidence(profile.files, path, [opened ? 'read' : 'stat'], exes);
    }
  }

  if (Array.isArray(imageFiles)) {
    imageFiles.forEach((f, i) => {
      const fr = asRecord(f);
      if (!fr || typeof fr.file_path !== 'string') throw malformed(source, `image.files[${i}] needs a string "file_path"`);
      if (!fr.file_path.startsWith('/') || isPseudoPath(fr.file_path)) return;
      const flags = asRecord(fr.flags) ?? {};
      const ops: FileOp[] = [];
      if (flags.X === true) ops.push('exec');
      if (flags.R === true) ops.push('read');
      if (flags.W === true) ops.push('write');
      if (ops.length > 0) addFileEvidence(profile.files, fr.file_path, ops);
    });
  }

  profile.mode = modes.length > 0 ? `mint:${modes.join('+')}` : 'mint:none';
  if (modes.length === 0) {
    profile.complete = false;
    profile.incompleteReasons.push('the mint report has no fan or pt monitor data');
  }
  return profile;
}
