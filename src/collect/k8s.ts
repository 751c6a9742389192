// Collect sensor reports from Kubernetes pods through the user's own kubectl (their kubeconfig,
// context and credentials; creach never reads tokens itself). The report is read with
// `kubectl exec … creach-sensor report`, which needs nothing inside the image but the sensor;
// `kubectl cp` (which needs tar in the image) is only the fallback and the way to fetch the
// other artifacts for --dynamic-profiling-data.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreachError, errnoCode } from '../errors.js';
import { silentLogger, type OpContext } from '../log.js';
import {
  ARTIFACTS_DIR,
  REPORT_NAME,
  REPORT_PATH,
  SENSOR_PATH,
  checkReport,
  isArtifactName,
  outputFolder,
  requireSomething,
  writeArtifact,
  type CollectResult,
} from './report-files.js';

export interface K8sCollectOptions extends OpContext {
  outputDir: string;
  kubeconfigPath?: string;
  kubeconfigContext?: string;
  /** Default: the context's namespace. */
  namespace?: string;
  pod?: string;
  selector?: string;
  /** Only this container of each pod. */
  container?: string;
  /** Only containers whose image (spec or status) is this reference. */
  image?: string;
  dynamicProfilingData?: boolean;
  /** The kubectl to run (default $CREACH_KUBECTL or `kubectl` on PATH). */
  kubectl?: string;
}

interface KubectlResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

interface PodContainer {
  name: string;
  image: string;
}
interface ContainerStatus {
  name: string;
  image?: string;
  imageID?: string;
  state?: { running?: object; waiting?: { reason?: string }; terminated?: { reason?: string; exitCode?: number } };
}
interface Pod {
  metadata: { name: string; namespace?: string };
  spec: { containers: PodContainer[] };
  status?: { phase?: string; containerStatuses?: ContainerStatus[] };
}

/** Reports bigger than this are refused rather than held in memory. */
const MAX_REPORT_BYTES = 512 * 1024 * 1024;

export async function collectK8s(opts: K8sCollectOptions): Promise<CollectResult> {
  const log = opts.log ?? silentLogger;
  const kubectl = new Kubectl(opts);
  const cluster = await kubectl.clusterName();
  const pods = await kubectl.pods();
  const where = [opts.namespace ? `namespace ${opts.namespace}` : 'the current namespace', opts.pod ? `pod ${opts.pod}` : opts.selector ? `selector ${opts.selector}` : undefined]
    .filter(Boolean)
    .join(', ');
  if (pods.length === 0) {
    throw new CreachError('COLLECT_FAILED', `no pods found in ${where} of cluster ${cluster}`, {
      hint: 'check --namespace / --selector / --kubeconfig-context (kubectl get pods shows what creach sees)',
    });
  }

  // An explicit filter means the user expects a report there: a miss is a gap, not a skip.
  const explicit = Boolean(opts.container || opts.image || opts.pod);
  const result: CollectResult = { reports: [], gaps: [] };
  let candidates = 0;
  for (const pod of pods) {
    for (const c of pod.spec.containers) {
      opts.signal?.throwIfAborted();
      const status = pod.status?.containerStatuses?.find((s) => s.name === c.name);
      if (opts.container && c.name !== opts.container) continue;
      if (opts.image && ![c.image, status?.image, status?.imageID].includes(opts.image)) continue;
      candidates++;
      const ns = pod.metadata.namespace ?? opts.namespace;
      const source = `${ns ? `${ns}/` : ''}${pod.metadata.name}/${c.name}`;
      const looksInstrumented = explicit || /-instrumented(@|$)/.test(c.image);
      if (!status?.state?.running) {
        const state = status?.state?.terminated ? `terminated (${status.state.terminated.reason ?? 'exit ' + status.state.terminated.exitCode})` : status?.state?.waiting ? `waiting (${status.state.waiting.reason ?? ''})` : (pod.status?.phase ?? 'unknown');
        const reason = `not running: ${state}; the report can be read only while the sensor is alive (instrument with --app-stop-signal so it stays up after the app stops)`;
        if (looksInstrumented) {
          result.gaps.push({ source, reason });
          log.warn(`${source}: ${reason}`);
        } else log.debug(`${source}: skipped, ${reason}`);
        continue;
      }
      const report = await kubectl.report(pod.metadata.name, ns, c.name);
      if (report.kind === 'absent') {
        if (looksInstrumented) {
          result.gaps.push({ source, reason: `no sensor at ${SENSOR_PATH} (image ${c.image} is not instrumented?)` });
          log.warn(`${source}: no sensor in image ${c.image}`);
        } else log.debug(`${source}: no sensor, skipped`);
        continue;
      }
      if (report.kind === 'failed') {
        result.gaps.push({ source, reason: report.reason });
        log.warn(`${source}: ${report.reason}`);
        continue;
      }
      let facts;
      try {
        facts = checkReport(report.bytes, `container ${source}`);
      } catch (e) {
        if (!(e instanceof CreachError)) throw e;
        result.gaps.push({ source, reason: e.message, code: 'REPORT_MALFORMED' });
        log.warn(e.message);
        continue;
      }
      const dir = outputFolder(opts.outputDir, [cluster, pod.metadata.name, c.name]);
      const reportPath = await writeArtifact(dir, REPORT_NAME, report.bytes, opts.signal);
      const extraFiles = opts.dynamicProfilingData ? await kubectl.copyOtherArtifacts(pod.metadata.name, ns, c.name, dir, result, source) : [];
      if (facts.final === false) {
        log.warn(`${source}: the report is a periodic flush of a running app; for the final report run: kubectl exec ${pod.metadata.name} -c ${c.name} -- ${SENSOR_PATH} stop`);
      }
      log.info(`${source}: ${reportPath}`);
      result.reports.push({ source, dir, reportPath, final: facts.final, complete: facts.complete, extraFiles });
    }
  }
  if (candidates === 0) {
    throw new CreachError('COLLECT_FAILED', `no containers${opts.container ? ` named ${opts.container}` : ''}${opts.image ? ` of image ${opts.image}` : ''} in ${pods.length} pod(s) of ${where}`, {
      hint: 'check --container / --image against `kubectl get pods -o wide`',
    });
  }
  if (result.reports.length === 0 && result.gaps.length === 0) {
    throw new CreachError('COLLECT_FAILED', `no container in ${where} of cluster ${cluster} runs an instrumented image`, {
      hint: 'deploy the -instrumented image that `creach container instrument` built, or name the container with --container',
    });
  }
  return requireSomething(result, `${where} of cluster ${cluster}`);
}

type ReportRead = { kind: 'ok'; bytes: Buffer } | { kind: 'absent' } | { kind: 'failed'; reason: string };

class Kubectl {
  private readonly bin: string;
  private readonly global: string[];

  constructor(private readonly opts: K8sCollectOptions) {
    this.bin = opts.kubectl ?? process.env.CREACH_KUBECTL ?? 'kubectl';
    this.global = [
      ...(opts.kubeconfigPath ? ['--kubeconfig', opts.kubeconfigPath] : []),
      ...(opts.kubeconfigContext ? ['--context', opts.kubeconfigContext] : []),
    ];
  }

  run(args: string[]): Promise<KubectlResult> {
    const full = [...this.global, ...args];
    this.opts.log?.debug(`kubectl ${full.join(' ')}`);
    return new Promise((resolve, reject) => {
      const child = spawn(this.bin, full, { stdio: ['ignore', 'pipe', 'pipe'], signal: this.opts.signal });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let size = 0;
      child.stdout.on('data', (b: Buffer) => {
        size += b.length;
        if (size > MAX_REPORT_BYTES) child.kill();
        else out.push(b);
      });
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => {
        if (this.opts.signal?.aborted) return reject(this.opts.signal.reason ?? e);
        if (errnoCode(e) === 'ENOENT') {
          return reject(new CreachError('KUBECTL_FAILED', `kubectl not found (${this.bin})`, { hint: 'install kubectl and put it on PATH, or set CREACH_KUBECTL to its path', cause: e }));
        }
        reject(new CreachError('KUBECTL_FAILED', `cannot run ${this.bin}: ${(e as Error).message}`, { cause: e }));
      });
      child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
    });
  }

  private failed(what: string, r: KubectlResult): CreachError {
    const line = r.stderr.trim().split('\n').filter(Boolean).pop() ?? `exit ${r.code}`;
    return new CreachError('KUBECTL_FAILED', `kubectl ${what} failed: ${line}`, {
      hint: 'check that kubectl works with the same --kubeconfig-path / --kubeconfig-context (try: kubectl get pods)',
    });
  }

  /** The cluster of the chosen context: the first folder level of the output. */
  async clusterName(): Promise<string> {
    const r = await this.run(['config', 'view', '--minify', '-o', 'json']);
    if (r.code !== 0) throw this.failed('config view', r);
    try {
      const cfg = JSON.parse(r.stdout.toString('utf8')) as { clusters?: { name?: string }[]; contexts?: { name?: string; context?: { cluster?: string } }[] };
      const name = cfg.clusters?.[0]?.name ?? cfg.contexts?.[0]?.context?.cluster ?? cfg.contexts?.[0]?.name;
      if (name) return name;
    } catch {
      // fall through to the error below
    }
    throw new CreachError('KUBECTL_FAILED', 'kubectl config view names no cluster for the chosen context', {
      hint: 'pass --kubeconfig-context, or check your kubeconfig (kubectl config get-contexts)',
    });
  }

  private nsArgs(ns: string | undefined): string[] {
    return ns ? ['-n', ns] : [];
  }

  async pods(): Promise<Pod[]> {
    const { pod, selector, namespace } = this.opts;
    const args = pod ? ['get', 'pod', pod, '-o', 'json', ...this.nsArgs(namespace)] : ['get', 'pods', '-o', 'json', ...this.nsArgs(namespace), ...(selector ? ['-l', selector] : [])];
    const r = await this.run(args);
    if (r.code !== 0) {
      if (pod && /NotFound|not found/.test(r.stderr)) {
        throw new CreachError('COLLECT_FAILED', `pod ${pod} not found${namespace ? ` in namespace ${namespace}` : ''}`, { hint: 'check the pod name and --namespace (kubectl get pods)' });
      }
      throw this.failed('get pods', r);
    }
    let doc: { kind?: string; items?: Pod[] } & Partial<Pod>;
    try {
      doc = JSON.parse(r.stdout.toString('utf8')) as typeof doc;
    } catch (e) {
      throw new CreachError('KUBECTL_FAILED', `kubectl get pods did not print JSON: ${(e as Error).message}`, { cause: e });
    }
    const pods = doc.kind === 'Pod' ? [doc as Pod] : (doc.items ?? []);
    return pods.filter((p) => p?.metadata?.name && Array.isArray(p.spec?.containers));
  }

  async report(pod: string, ns: string | undefined, container: string): Promise<ReportRead> {
    const r = await this.run(['exec', ...this.nsArgs(ns), pod, '-c', container, '--', SENSOR_PATH, 'report']);
    if (r.code === 0 && r.stdout.length > 0) return { kind: 'ok', bytes: r.stdout };
    if (/no such file or directory|executable file not found|not found in \$PATH/i.test(r.stderr)) return { kind: 'absent' };
    // The sensor is there but could not answer (an older sensor, a report not flushed yet):
    // the file itself may still be readable with kubectl cp.
    const copied = await this.copyOut(pod, ns, container, REPORT_PATH);
    if (copied) {
      try {
        const bytes = await readFile(join(copied, 'out'));
        return { kind: 'ok', bytes };
      } finally {
        await rm(copied, { recursive: true, force: true });
      }
    }
    const line = r.stderr.trim().split('\n').filter(Boolean).pop() ?? `exit ${r.code}`;
    return { kind: 'failed', reason: `${SENSOR_PATH} report failed: ${line}` };
  }

  /** `kubectl cp` one path to a temp folder (as `out`); undefined when it fails. */
  private async copyOut(pod: string, ns: string | undefined, container: string, path: string): Promise<string | undefined> {
    const tmp = await mkdtemp(join(tmpdir(), 'creach-collect-'));
    const r = await this.run(['cp', ...this.nsArgs(ns), `${pod}:${path}`, join(tmp, 'out'), '-c', container]);
    const ok = r.code === 0 && (await stat(join(tmp, 'out')).then(() => true, () => false));
    if (!ok) {
      await rm(tmp, { recursive: true, force: true });
      return undefined;
    }
    return tmp;
  }

  /** --dynamic-profiling-data: the other regular files of the artifacts folder (needs tar in the image). */
  async copyOtherArtifacts(pod: string, ns: string | undefined, container: string, dir: string, result: CollectResult, source: string): Promise<string[]> {
    const tmp = await this.copyOut(pod, ns, container, ARTIFACTS_DIR);
    if (!tmp) {
      result.gaps.push({ source, reason: `could not copy ${ARTIFACTS_DIR} (kubectl cp needs tar in the image); only the report was collected` });
      return [];
    }
    try {
      const written: string[] = [];
      for (const e of await readdir(join(tmp, 'out'), { withFileTypes: true })) {
        if (!e.isFile() || e.name === REPORT_NAME || !isArtifactName(e.name)) continue;
        written.push(await writeArtifact(dir, e.name, await readFile(join(tmp, 'out', e.name)), this.opts.signal));
      }
      return written;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}
