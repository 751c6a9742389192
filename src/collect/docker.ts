// Collect sensor reports from Docker containers (running or stopped) of instrumented images,
// through the Engine API's archive endpoint, which reads a stopped container's filesystem too
// and needs nothing (no shell, no tar) inside the image.
import type { IncomingMessage } from 'node:http';
import { CreachError } from '../errors.js';
import { silentLogger, type OpContext } from '../log.js';
import { EngineClient, type ContainerSummary } from '../image/engine/client.js';
import { entryType } from '../image/tar/header.js';
import { TarFormatError } from '../image/tar/parser.js';
import { walkTarStream } from '../image/tar/walk.js';
import {
  ARTIFACTS_DIR,
  ORIGINAL_REFERENCE_LABEL,
  REPORT_NAME,
  REPORT_PATH,
  checkReport,
  isArtifactName,
  outputFolder,
  requireSomething,
  writeArtifact,
  type CollectResult,
} from './report-files.js';

export interface DockerCollectOptions extends OpContext {
  outputDir: string;
  /** Only containers of this image: its reference as run, its ID, or the original reference instrument recorded. */
  image?: string;
  /** Only this container (name or ID prefix); then the image need not carry creach's label. */
  container?: string;
  /** Also copy the other files of the artifacts folder (app-stdout.log, app-stderr.log…). */
  dynamicProfilingData?: boolean;
  /** Overrides $DOCKER_HOST. */
  dockerHost?: string;
}

/** Largest single artifact we read into memory (a report of a huge app is a few MB). */
const MAX_ARTIFACT_BYTES = 512 * 1024 * 1024;

export async function collectDocker(opts: DockerCollectOptions): Promise<CollectResult> {
  const log = opts.log ?? silentLogger;
  const engine = new EngineClient({ dockerHost: opts.dockerHost, signal: opts.signal });
  const containers = await findContainers(engine, opts);
  if (containers.length === 0) {
    const what = opts.container ? `named ${opts.container}` : opts.image ? `of image ${opts.image}` : `of instrumented images (label ${ORIGINAL_REFERENCE_LABEL})`;
    throw new CreachError('COLLECT_FAILED', `no Docker containers ${what} found at ${engine.where}`, {
      hint: 'run the instrumented image first (docker run IMAGE-instrumented), or name it with --container / --image',
    });
  }

  const result: CollectResult = { reports: [], gaps: [] };
  for (const [i, c] of containers.entries()) {
    opts.signal?.throwIfAborted();
    opts.progress?.({ phase: 'collecting reports', done: i, total: containers.length, unit: 'items' });
    const name = containerName(c);
    const files = await copyArtifacts(engine, c.Id, name, Boolean(opts.dynamicProfilingData));
    const report = files.get(REPORT_NAME);
    if (!report) {
      result.gaps.push({ source: name, reason: `no ${REPORT_PATH} (${c.State ?? 'unknown state'}; not instrumented, or the sensor has not flushed yet)` });
      log.warn(`${name}: no report at ${REPORT_PATH}`);
      continue;
    }
    let facts;
    try {
      facts = checkReport(report, `container ${name}`);
    } catch (e) {
      if (!(e instanceof CreachError)) throw e;
      result.gaps.push({ source: name, reason: e.message, code: 'REPORT_MALFORMED' });
      log.warn(e.message);
      continue;
    }
    const dir = outputFolder(opts.outputDir, ['docker', name]);
    const reportPath = await writeArtifact(dir, REPORT_NAME, report, opts.signal);
    const extraFiles: string[] = [];
    for (const [file, data] of files) {
      if (file !== REPORT_NAME) extraFiles.push(await writeArtifact(dir, file, data, opts.signal));
    }
    if (facts.final === false) {
      log.warn(
        `${name}: the report is a periodic flush (the app is ${c.State === 'running' ? 'still running' : 'not stopped cleanly'}); ` +
          `for the final report run: docker exec ${name} /opt/_instrumented/creach-sensor stop`,
      );
    }
    log.info(`${name}: ${reportPath}`);
    result.reports.push({ source: name, dir, reportPath, final: facts.final, complete: facts.complete, extraFiles });
  }
  opts.progress?.({ phase: 'collecting reports', done: containers.length, total: containers.length, unit: 'items' });
  return requireSomething(result, `Docker containers (${containers.map(containerName).join(', ')})`);
}

function containerName(c: ContainerSummary): string {
  return (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
}

async function findContainers(engine: EngineClient, opts: DockerCollectOptions): Promise<ContainerSummary[]> {
  const all = await engine.containers();
  const imageId = opts.image ? (await engine.inspect(opts.image))?.Id : undefined;
  return all.filter((c) => {
    if (opts.container) {
      const want = opts.container.replace(/^\//, '');
      const named = (c.Names ?? []).some((n) => n.replace(/^\//, '') === want) || (want.length >= 4 && c.Id.startsWith(want));
      if (!named) return false;
    }
    if (opts.image) {
      return c.Image === opts.image || (imageId !== undefined && c.ImageID === imageId) || c.Labels?.[ORIGINAL_REFERENCE_LABEL] === opts.image;
    }
    // Without --image, only instrumented containers, unless the user named the container.
    return Boolean(opts.container) || Boolean(c.Labels?.[ORIGINAL_REFERENCE_LABEL]);
  });
}

/**
 * The report (and with `all`, every regular file of the artifacts folder) from one container,
 * by file name. A missing folder or file is an empty map, not an error.
 */
async function copyArtifacts(engine: EngineClient, id: string, name: string, all: boolean): Promise<Map<string, Buffer>> {
  const path = all ? ARTIFACTS_DIR : REPORT_PATH;
  const body = await engine.containerArchive(id, path);
  return body ? readArchive(body, all, name) : new Map();
}

async function readArchive(body: IncomingMessage, all: boolean, name: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  try {
    await walkTarStream(
      body,
      (e) => {
        // A file archive has one entry "creport.json"; a folder archive has "artifacts/<file>".
        const parts = e.name.replace(/\/+$/, '').split('/');
        const file = all ? (parts.length === 2 ? parts[1] : undefined) : parts.length === 1 ? parts[0] : undefined;
        if (entryType(e.flag) !== 'file' || file === undefined || !isArtifactName(file) || e.size > MAX_ARTIFACT_BYTES) return {};
        return { capture: true, done: (b) => files.set(file, b!) };
      },
      { emptyOk: true },
    );
  } catch (e) {
    if (!(e instanceof TarFormatError)) throw e;
    throw new CreachError('COLLECT_FAILED', `the Docker engine sent an unreadable archive of ${all ? ARTIFACTS_DIR : REPORT_PATH} for container ${name}: ${e.message}`, {
      hint: 'try again; if it persists, see the engine log',
      cause: e,
    });
  }
  if (!all && files.size === 0) {
    throw new CreachError('COLLECT_FAILED', `the Docker engine returned no ${REPORT_NAME} for container ${name}`, {
      hint: `check that ${REPORT_PATH} is a regular file in the container`,
    });
  }
  return files;
}
