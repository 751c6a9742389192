// What docker.ts and k8s.ts share: where the sensor keeps its files inside a container, how a
// collected report is checked before it is written, and how it lands under the output folder
// (atomically, and never outside it whatever a container or pod is called).
import { mkdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { atomicWriteFile } from '../atomic-write.js';
import { CreachError } from '../errors.js';

export const SENSOR_PATH = '/opt/_instrumented/creach-sensor';
export const ARTIFACTS_DIR = '/opt/_instrumented/artifacts';
export const REPORT_NAME = 'creport.json';
export const REPORT_PATH = `${ARTIFACTS_DIR}/${REPORT_NAME}`;
/** Label instrument writes on every instrumented image (containers inherit it). */
export const ORIGINAL_REFERENCE_LABEL = 'io.creach.original.reference';

export interface CollectedReport {
  /** docker: the container name; k8s: namespace/pod/container. */
  source: string;
  /** The folder the report (and any other artifacts) were written to. */
  dir: string;
  reportPath: string;
  /** From the report: false means a periodic flush of an app that is still running. */
  final?: boolean;
  complete?: boolean;
  /** Other artifacts copied with --dynamic-profiling-data (absolute paths). */
  extraFiles: string[];
}

/** A container that matched but gave no report: data, not an exception, unless nothing was collected. */
export interface CollectGap {
  source: string;
  reason: string;
  /** Set when the container gave something unusable (a report that is not JSON). */
  code?: 'REPORT_MALFORMED';
}

export interface CollectResult {
  reports: CollectedReport[];
  gaps: CollectGap[];
}

export interface ReportFacts {
  final?: boolean;
  complete?: boolean;
}

/**
 * The report must at least be a JSON object; its facts feed warnings (still-running app).
 * Throws REPORT_MALFORMED; collectors turn that into a gap so one bad container does not
 * stop the others.
 */
export function checkReport(bytes: Buffer, source: string): ReportFacts {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new CreachError('REPORT_MALFORMED', `the report of ${source} is not JSON (${bytes.length} bytes): ${(e as Error).message}`, {
      hint: 'the sensor writes its report atomically; check the sensor version and its log (run with --debug-mode)',
      cause: e,
    });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new CreachError('REPORT_MALFORMED', `the report of ${source} is not a JSON object`, {
      hint: 'check that the file at ' + REPORT_PATH + ' was written by the creach sensor',
    });
  }
  const d = doc as { final?: unknown; complete?: unknown };
  return {
    final: typeof d.final === 'boolean' ? d.final : undefined,
    complete: typeof d.complete === 'boolean' ? d.complete : undefined,
  };
}

/** One path segment from a name we do not control (container, pod, cluster): no separators, no dot-dot. */
export function safeSegment(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+$/, '_');
  return s.length > 0 ? s.slice(0, 200) : '_';
}

/** DIR joined with sanitised segments, checked to stay inside DIR. */
export function outputFolder(outputDir: string, segments: string[]): string {
  const root = resolve(outputDir);
  const dir = resolve(root, ...segments.map(safeSegment));
  if (dir !== root && !dir.startsWith(root + sep)) {
    throw new CreachError('OUTPUT_WRITE', `refusing to write outside ${root}: ${dir}`, { hint: 'report this as a bug' });
  }
  return dir;
}

/** Write one artifact atomically into `dir` (created as needed). */
export async function writeArtifact(dir: string, name: string, data: Buffer, signal?: AbortSignal): Promise<string> {
  await mkdir(dir, { recursive: true });
  const target = join(dir, safeSegment(name));
  await atomicWriteFile(target, data, signal);
  return target;
}

/** Regular files directly inside the artifacts folder are worth copying; nothing else is. */
export function isArtifactName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) && !name.endsWith('.tmp');
}

/** When nothing was collected, the gaps become one error that names every container tried. */
export function requireSomething(result: CollectResult, where: string): CollectResult {
  if (result.reports.length > 0) return result;
  const list = result.gaps.map((g) => `${g.source}: ${g.reason}`).join('; ');
  if (result.gaps.length > 0 && result.gaps.every((g) => g.code === 'REPORT_MALFORMED')) {
    throw new CreachError('REPORT_MALFORMED', `no usable report in ${where}: ${list}`, {
      hint: 'the sensor writes its report atomically; check the sensor version and its log (instrument with --debug-mode)',
    });
  }
  throw new CreachError('REPORT_NOT_FOUND', `no report could be collected from ${where}: ${list}`, {
    hint: 'run the instrumented image first; reports appear after the first flush (--flush-interval) or when the app stops',
  });
}
