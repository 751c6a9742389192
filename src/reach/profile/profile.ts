// One Profile type for every sensor's report: what a run of the application did to which paths,
// and how far the record can be trusted. Readers for each producer (creach.ts, mint.ts) fill it;
// states.ts decides reachability from it and nothing else.

/** What was done to a path. `write` is never use of a package; `stat` is only a lookup. */
export type FileOp = 'read' | 'write' | 'exec' | 'mmap' | 'stat';

export const FILE_OPS: readonly FileOp[] = ['read', 'write', 'exec', 'mmap', 'stat'];

export interface ProfileFile {
  /** Absolute path inside the container, as the sensor recorded it. */
  path: string;
  ops: Set<FileOp>;
  /** Executables (or process names) seen touching the path, when the report says. */
  executables: Set<string>;
}

export type Producer = 'creach' | 'mint';

export interface Profile {
  /** The creport.json this came from (host path). */
  source: string;
  producer: Producer;
  /** Tracing mode as the report names it (e.g. ptrace-seccomp, or mint's fanotify+ptrace). */
  mode: string;
  /** True only when the report says every file event of the run was recorded. */
  complete: boolean;
  incompleteReasons: string[];
  dropped: { paths: number; processes: number; events: number; unreadableProcesses: number };
  /** The image the sensor was told it ran in; absent fields mean the report cannot say. */
  image: { reference?: string; configDigest?: string };
  sensorVersion?: string;
  files: Map<string, ProfileFile>;
}

/** Add one observation to a file map, creating the entry on first sight. */
export function addFileEvidence(files: Map<string, ProfileFile>, path: string, ops: Iterable<FileOp>, executables: Iterable<string> = []): void {
  let f = files.get(path);
  if (!f) {
    f = { path, ops: new Set(), executables: new Set() };
    files.set(path, f);
  }
  for (const op of ops) f.ops.add(op);
  for (const e of executables) if (e) f.executables.add(e);
}

/** Where instrument puts the sensor and its artifacts: creach's own files, not the app's. */
export const INSTRUMENTED_DIR = '/opt/_instrumented';

/**
 * Paths that are never evidence for a package: the kernel's (/proc, /sys, /dev) and the
 * sensor's own (/opt/_instrumented, present only in the instrumented image).
 */
export function isPseudoPath(path: string): boolean {
  return path === '/proc' || path === '/sys' || path === '/dev' || /^\/(proc|sys|dev)\//.test(path) || path === INSTRUMENTED_DIR || path.startsWith(`${INSTRUMENTED_DIR}/`);
}
