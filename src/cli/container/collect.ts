// `creach container collect`: flags and CREACH_CONTAINER_COLLECT_* variables → the Docker or
// Kubernetes collector → reports under --output-dir. stdout lists the report files written (one
// per line, for scripts); everything else goes to stderr. Errors go up to main.ts.
import type { Command } from 'commander';
import { collectDocker } from '../../collect/docker.js';
import { collectK8s } from '../../collect/k8s.js';
import type { CollectResult } from '../../collect/report-files.js';
import { UsageError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { envOption, switchValue } from '../env.js';

const PATH = ['container', 'collect'];
const RUNTIMES = ['docker', 'k8s'] as const;
type Runtime = (typeof RUNTIMES)[number];

interface RawOptions {
  outputDir?: string;
  runtimeType?: string;
  kubeconfigPath?: string;
  kubeconfigContext?: string;
  namespace?: string;
  pod?: string;
  selector?: string;
  container?: string;
  image?: string;
  dynamicProfilingData?: boolean;
}

const HELP_AFTER = `
Where reports land:
  docker  DIR/docker/<container>/creport.json
  k8s     DIR/<cluster>/<pod>/<container>/creport.json
  Each file is written atomically; collecting again replaces it. Point
  \`creach container scan --profiling-data-dir DIR\` at the same folder.

Which containers:
  docker  containers, running or stopped, whose image carries the label
          io.creach.original.reference (set by instrument); --image narrows to one image (as
          run, by ID, or by its original reference), --container to one container.
  k8s     running pods of the namespace (or --pod / --selector); every container with the
          sensor at /opt/_instrumented/creach-sensor, or only --container / --image. The report
          is read with \`kubectl exec … creach-sensor report\`, so images without a shell work.
  A running app's report is its last periodic flush; stop it first for the final one:
    docker exec NAME /opt/_instrumented/creach-sensor stop
    kubectl exec POD -c CONTAINER -- /opt/_instrumented/creach-sensor stop

--runtime-type defaults to k8s when a Kubernetes flag (--kubeconfig-path, --kubeconfig-context,
--namespace, --pod, --selector) is given, and to docker otherwise.

Environment:
  Every flag can also be set as CREACH_CONTAINER_COLLECT_<FLAG> (e.g.
  CREACH_CONTAINER_COLLECT_OUTPUT_DIR, CREACH_CONTAINER_COLLECT_RUNTIME_TYPE); switches take
  1/true/yes/on. Flags on the command line win. DOCKER_HOST and KUBECONFIG are honoured.

Exit codes:
  0  at least one report was collected (containers without one are listed as warnings)
  1  failure (engine or cluster unreachable, no matching container, no report anywhere)
  2  usage error (bad or conflicting flags)

Examples:
  creach container collect --output-dir profiles
  creach container collect --output-dir profiles --image shop/web:1.4-instrumented
  creach container collect --runtime-type k8s --namespace shop --selector app=web --output-dir profiles`;

export function register(parent: Command, ctx: CliContext): void {
  const cmd = parent
    .command('collect')
    .description('copy the sensor reports out of containers of instrumented images (Docker or Kubernetes)')
    .addOption(envOption(PATH, '--output-dir <dir>', 'folder to write the reports to (created if missing)'))
    .addOption(envOption(PATH, '--runtime-type <type>', `where the containers run: ${RUNTIMES.join(' or ')}`))
    .addOption(envOption(PATH, '--kubeconfig-path <file>', 'kubeconfig file (default: kubectl\'s, i.e. $KUBECONFIG or ~/.kube/config)'))
    .addOption(envOption(PATH, '--kubeconfig-context <name>', 'kubeconfig context (default: the current context)'))
    .addOption(envOption(PATH, '-n, --namespace <namespace>', 'Kubernetes namespace (default: the context\'s)'))
    .addOption(envOption(PATH, '--pod <name>', 'only this pod'))
    .addOption(envOption(PATH, '-l, --selector <selector>', 'only pods matching this label selector (app=web)'))
    .addOption(envOption(PATH, '--container <name>', 'only this container (Docker: name or ID; Kubernetes: container name in the pod)'))
    .addOption(envOption(PATH, '--image <ref>', 'only containers running this image'))
    .addOption(envOption(PATH, '--dynamic-profiling-data', 'also copy the other files of the artifacts folder (app-stdout.log, app-stderr.log, …)'))
    .addHelpText('after', HELP_AFTER)
    .action(async (raw: RawOptions, command: Command) => {
      const dynamic = switchValue(command, 'dynamicProfilingData');
      if (!raw.outputDir) throw new UsageError('no output folder', { hint: 'pass --output-dir DIR (or set CREACH_CONTAINER_COLLECT_OUTPUT_DIR)' });
      if (raw.pod && raw.selector) throw new UsageError('--pod and --selector cannot be used together', { hint: 'name one pod, or select pods by label' });
      const k8sFlags = (['kubeconfigPath', 'kubeconfigContext', 'namespace', 'pod', 'selector'] as const).filter((k) => raw[k] !== undefined);
      let runtime: Runtime;
      if (raw.runtimeType !== undefined) {
        if (!(RUNTIMES as readonly string[]).includes(raw.runtimeType)) {
          throw new UsageError(`--runtime-type ${JSON.stringify(raw.runtimeType)} is not one of ${RUNTIMES.join(', ')}`);
        }
        runtime = raw.runtimeType as Runtime;
      } else {
        runtime = k8sFlags.length > 0 ? 'k8s' : 'docker';
      }
      if (runtime === 'docker' && k8sFlags.length > 0) {
        const flags = k8sFlags.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
        throw new UsageError(`${flags} only ${k8sFlags.length === 1 ? 'applies' : 'apply'} to --runtime-type k8s`, { hint: 'drop them, or use --runtime-type k8s' });
      }

      const common = { outputDir: raw.outputDir, image: raw.image, container: raw.container, dynamicProfilingData: dynamic, log: ctx.log, progress: ctx.progress, signal: ctx.signal };
      const result: CollectResult =
        runtime === 'docker'
          ? await collectDocker(common)
          : await collectK8s({
              ...common,
              kubeconfigPath: raw.kubeconfigPath,
              kubeconfigContext: raw.kubeconfigContext,
              namespace: raw.namespace,
              pod: raw.pod,
              selector: raw.selector,
            });
      for (const r of result.reports) ctx.stdout.write(`${r.reportPath}\n`);
      const gaps = result.gaps.length > 0 ? `; ${result.gaps.length} without a report: ${result.gaps.map((g) => g.source).join(', ')}` : '';
      ctx.log.info(`collected ${result.reports.length} report${result.reports.length === 1 ? '' : 's'} into ${raw.outputDir}${gaps}`);
    });
  cmd.exitOverride();
}
