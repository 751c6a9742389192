// `creach container collect --runtime-type k8s` against a FAKE kubectl: no Kubernetes cluster can
// run on these machines. The fake is a shell script that answers the four kubectl calls
// collect makes (config view, get pods, exec … creach-sensor report, cp) from files, the way
// a real kubectl prints them, and logs every argument list so the test can check what collect
// asked kubectl. Everything on creach's side (selection, paths, errors) is the real code.
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectK8s, type K8sCollectOptions } from '../../src/collect/k8s.js';
import { main } from '../../src/cli/main.js';
import { CreachError } from '../../src/errors.js';

let root: string;
let fake: string;

const FAKE_KUBECTL = `#!/usr/bin/env bash
# Fake kubectl for creach's collect tests. State lives in $FAKE_K8S.
set -u
printf '%s\\n' "$*" >> "$FAKE_K8S/calls.log"
while [ $# -gt 0 ]; do
  case "$1" in
    --kubeconfig|--context) shift 2 ;;
    *) break ;;
  esac
done
ns=default
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n) ns="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
set -- "\${args[@]}"
case "$1 $2" in
  "config view") cat "$FAKE_K8S/config.json" ;;
  "get pods") cat "$FAKE_K8S/pods.json" ;;
  "get pod")
    if [ -f "$FAKE_K8S/pod-$3.json" ]; then cat "$FAKE_K8S/pod-$3.json"
    else echo "Error from server (NotFound): pods \\"$3\\" not found" >&2; exit 1; fi ;;
  exec*)
    pod="$2"; container="$4"
    f="$FAKE_K8S/reports/$pod/$container/creport.json"
    if [ -f "$f" ]; then cat "$f"; exit 0; fi
    echo 'error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: exec: "/opt/_instrumented/creach-sensor": stat /opt/_instrumented/creach-sensor: no such file or directory: unknown' >&2
    exit 1 ;;
  cp*)
    src="$2"; dest="$3"; container="$5"
    pod="\${src%%:*}"; path="\${src#*:}"
    d="$FAKE_K8S/reports/$pod/$container"
    [ -d "$d" ] || { echo "error: cannot exec into $pod" >&2; exit 1; }
    if [ "$path" = /opt/_instrumented/artifacts ]; then cp -r "$d" "$dest"; else cp "$d/\${path##*/}" "$dest"; fi ;;
  *) echo "fake kubectl: unexpected call: $*" >&2; exit 2 ;;
esac
`;

interface FakeContainer {
  name: string;
  image: string;
  state: 'running' | 'terminated';
  report?: string;
  artifacts?: Record<string, string>;
}

function pod(name: string, namespace: string, containers: FakeContainer[]) {
  return {
    kind: 'Pod',
    metadata: { name, namespace },
    spec: { containers: containers.map((c) => ({ name: c.name, image: c.image })) },
    status: {
      phase: containers.every((c) => c.state === 'terminated') ? 'Succeeded' : 'Running',
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: c.image,
        state: c.state === 'running' ? { running: { startedAt: '2026-01-01T00:00:00Z' } } : { terminated: { reason: 'Completed', exitCode: 0 } },
      })),
    },
  };
}

function report(label: string): string {
  return JSON.stringify({ schema: 'creach.report/v1', final: true, complete: true, label, files: [] });
}

const fixtures: { name: string; containers: FakeContainer[] }[] = [
  {
    name: 'web-1',
    containers: [
      { name: 'app', image: 'reg.example/shop/web:1.4-instrumented', state: 'running', report: report('web-1'), artifacts: { 'app-stdout.log': 'web-1 says hi\n' } },
      { name: 'sidecar', image: 'reg.example/proxy:2', state: 'running' },
    ],
  },
  { name: 'web-2', containers: [{ name: 'app', image: 'reg.example/shop/web:1.4-instrumented', state: 'running', report: report('web-2') }] },
  { name: 'migrate-1', containers: [{ name: 'app', image: 'reg.example/shop/web:1.4-instrumented', state: 'terminated' }] },
  { name: 'broken-1', containers: [{ name: 'app', image: 'reg.example/shop/broken:1-instrumented', state: 'running', report: '{"schema": "creach.rep' }] },
];

async function calls(): Promise<string[]> {
  return (await readFile(join(fake, 'calls.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

async function resetCalls(): Promise<void> {
  await rm(join(fake, 'calls.log'), { force: true });
}

async function out(): Promise<string> {
  return mkdtemp(join(root, 'out-'));
}

function opts(o: Partial<K8sCollectOptions> & { outputDir: string }): K8sCollectOptions {
  return { kubectl: join(fake, 'kubectl'), namespace: 'shop', ...o };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'creach-test-k8s-fake-'));
  fake = join(root, 'k8s');
  await mkdir(fake);
  process.env.FAKE_K8S = fake;
  await writeFile(join(fake, 'kubectl'), FAKE_KUBECTL);
  await chmod(join(fake, 'kubectl'), 0o755);
  // An EKS-style cluster name: its slashes and colons must not become folders.
  await writeFile(join(fake, 'config.json'), JSON.stringify({ clusters: [{ name: 'arn:aws:eks:eu-west-1:1:cluster/shop' }], contexts: [{ name: 'shop', context: { cluster: 'x' } }] }));
  // `get pods` lists all but the broken one (it is only reached with --pod).
  const listed = fixtures.filter((f) => f.name !== 'broken-1').map((f) => pod(f.name, 'shop', f.containers));
  await writeFile(join(fake, 'pods.json'), JSON.stringify({ kind: 'List', items: listed }));
  for (const f of fixtures) {
    await writeFile(join(fake, `pod-${f.name}.json`), JSON.stringify(pod(f.name, 'shop', f.containers)));
    for (const c of f.containers) {
      if (c.report === undefined) continue;
      const d = join(fake, 'reports', f.name, c.name);
      await mkdir(d, { recursive: true });
      await writeFile(join(d, 'creport.json'), c.report);
      for (const [file, text] of Object.entries(c.artifacts ?? {})) await writeFile(join(d, file), text);
    }
  }
});

afterAll(async () => {
  delete process.env.FAKE_K8S;
  await rm(root, { recursive: true, force: true });
});

describe('collect from Kubernetes (fake kubectl)', () => {
  it('writes DIR/<cluster>/<pod>/<container>/creport.json for instrumented running containers and lists the rest', async () => {
    await resetCalls();
    const dir = await out();
    const warnings: string[] = [];
    const result = await collectK8s(
      opts({ outputDir: dir, kubeconfigPath: '/tmp/kc.yaml', kubeconfigContext: 'shop', selector: 'app=web', log: { debug() {}, info() {}, warn: (m) => warnings.push(m) } }),
    );
    const cluster = 'arn_aws_eks_eu-west-1_1_cluster_shop';
    expect(await readdir(dir)).toEqual([cluster]);
    expect(JSON.parse(await readFile(join(dir, cluster, 'web-1', 'app', 'creport.json'), 'utf8')).label).toBe('web-1');
    expect(JSON.parse(await readFile(join(dir, cluster, 'web-2', 'app', 'creport.json'), 'utf8')).label).toBe('web-2');
    expect(result.reports.map((r) => r.source).sort()).toEqual(['shop/web-1/app', 'shop/web-2/app']);
    // The sidecar has no sensor and was not asked for: skipped, not a gap. The finished
    // migration pod runs an instrumented image: a gap that says why.
    expect(result.gaps.map((g) => g.source)).toEqual(['shop/migrate-1/app']);
    expect(result.gaps[0]?.reason).toMatch(/not running: terminated \(Completed\)/);
    expect(warnings.join('\n')).toContain('migrate-1');
    expect((await readdir(join(dir, cluster))).sort()).toEqual(['web-1', 'web-2']);

    const log = await calls();
    expect(log[0]).toBe('--kubeconfig /tmp/kc.yaml --context shop config view --minify -o json');
    expect(log[1]).toBe('--kubeconfig /tmp/kc.yaml --context shop get pods -o json -n shop -l app=web');
    expect(log).toContain('--kubeconfig /tmp/kc.yaml --context shop exec -n shop web-1 -c app -- /opt/_instrumented/creach-sensor report');
  });

  it('--pod with --container naming a container without the sensor fails with REPORT_NOT_FOUND', async () => {
    const dir = await out();
    const err = await collectK8s(opts({ outputDir: dir, pod: 'web-1', container: 'sidecar' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CreachError);
    expect((err as CreachError).code).toBe('REPORT_NOT_FOUND');
    expect((err as CreachError).message).toContain('shop/web-1/sidecar');
    expect(await readdir(dir)).toEqual([]);
  });

  it('--dynamic-profiling-data also copies the app output files with kubectl cp', async () => {
    await resetCalls();
    const dir = await out();
    const result = await collectK8s(opts({ outputDir: dir, pod: 'web-1', container: 'app', dynamicProfilingData: true }));
    const folder = join(dir, 'arn_aws_eks_eu-west-1_1_cluster_shop', 'web-1', 'app');
    expect((await readdir(folder)).sort()).toEqual(['app-stdout.log', 'creport.json']);
    expect(await readFile(join(folder, 'app-stdout.log'), 'utf8')).toBe('web-1 says hi\n');
    expect(result.reports[0]?.extraFiles).toEqual([join(folder, 'app-stdout.log')]);
    const cp = (await calls()).filter((c) => c.startsWith('cp '));
    expect(cp).toHaveLength(1);
    expect(cp[0]).toMatch(/^cp -n shop web-1:\/opt\/_instrumented\/artifacts \S+ -c app$/);
  });

  it('a pod that does not exist is COLLECT_FAILED naming it', async () => {
    const err = await collectK8s(opts({ outputDir: await out(), pod: 'nope-0' })).catch((e: unknown) => e);
    expect((err as CreachError).code).toBe('COLLECT_FAILED');
    expect((err as CreachError).message).toContain('nope-0');
  });

  it('a report that is not JSON is REPORT_MALFORMED and nothing is written', async () => {
    const dir = await out();
    const err = await collectK8s(opts({ outputDir: dir, pod: 'broken-1' })).catch((e: unknown) => e);
    expect((err as CreachError).code).toBe('REPORT_MALFORMED');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a missing kubectl is KUBECTL_FAILED with a hint', async () => {
    const err = await collectK8s(opts({ outputDir: await out(), kubectl: join(root, 'no-kubectl') })).catch((e: unknown) => e);
    expect((err as CreachError).code).toBe('KUBECTL_FAILED');
    expect((err as CreachError).hint).toMatch(/CREACH_KUBECTL/);
  });

  it('the CLI picks k8s from --namespace and finds kubectl through CREACH_KUBECTL', async () => {
    const dir = await out();
    process.env.CREACH_KUBECTL = join(fake, 'kubectl');
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((c: string | Uint8Array) => (chunks.push(String(c)), true)) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['node', 'creach', 'container', 'collect', '--namespace', 'shop', '--pod', 'web-2', '--output-dir', dir]);
    } finally {
      process.stdout.write = write;
      delete process.env.CREACH_KUBECTL;
    }
    expect(code).toBe(0);
    expect(chunks.join('').trim()).toBe(join(dir, 'arn_aws_eks_eu-west-1_1_cluster_shop', 'web-2', 'app', 'creport.json'));
  });
});
