// `creach container scan`: flags and CREACH_CONTAINER_SCAN_* variables → ScanOptions → scan()
// → one encoder → stdout or an atomically written file. Errors go up to main.ts.
import type { Command } from 'commander';
import { atomicWriteFile } from '../../atomic-write.js';
import { UsageError } from '../../errors.js';
import { encodeResult, isOutputType, OUTPUT_TYPES, type OutputType } from '../../output/formats.js';
import { countsLine } from '../../output/text.js';
import { scan } from '../../scan/scan.js';
import type { CliContext } from '../context.js';
import { appendValue, envOption, listValue, switchValue } from '../env.js';

const PATH = ['container', 'scan'];

interface RawOptions {
  image?: string;
  imageTar?: string;
  osReachability?: boolean;
  profilingDataDir?: string[];
  projectName?: string;
  namespace?: string;
  outputType?: string;
  outputFile?: string;
  strict?: boolean;
  platform?: string;
  insecureRegistry?: string[];
}


const HELP_AFTER = `
Reachability states:
  reachable              a file of the package was opened for read, mapped or executed
  potentially_reachable  only stat/access evidence (a lookup, not a use)
  unreachable            every profile is complete, belongs to this image, and shows no use
  unknown                no profile, an incomplete one, or one recorded on another image

Output:
  --output-type defaults to "table" when stdout is a terminal and to "json" otherwise
  (pipes, files), so scripts always get the stable JSON (docs/scan-result.schema.json).
  --output-file is written atomically: it is complete or untouched.

Environment:
  Every flag can also be set as CREACH_CONTAINER_SCAN_<FLAG> (e.g. CREACH_CONTAINER_SCAN_IMAGE,
  CREACH_CONTAINER_SCAN_OUTPUT_TYPE). Repeatable flags take a comma-separated list there
  (CREACH_CONTAINER_SCAN_PROFILING_DATA_DIR=runs/a,runs/b); switches take 1/true/yes/on.
  Flags on the command line win.

Exit codes:
  0  the scan ran and its output was written
  1  failure (unreadable image, malformed report, report from another image with --strict, …)
  2  usage error (bad or conflicting flags)

Example:
  creach container scan --image shop/web:1.4 --os-reachability \\
    --profiling-data-dir ./profiles --output-type html --output-file web.html`;

export function register(parent: Command, ctx: CliContext): void {
  const cmd = parent
    .command('scan')
    .description("list an image's OS packages and, from runtime profiles, which of them the application used")
    .addOption(envOption(PATH, '--image <ref>', 'image to scan: local engine image, registry reference, or a path/oci:/docker-archive: reference'))
    .addOption(envOption(PATH, '--image-tar <file>', 'image to scan from a `docker save` tar or an OCI layout tar'))
    .addOption(envOption(PATH, '--os-reachability', 'decide which OS packages are reachable from the profiles'))
    .addOption(envOption(PATH, '--profiling-data-dir <dir>', 'folder searched recursively for creport.json (repeatable; replicas and runs are merged)').argParser(appendValue))
    .addOption(envOption(PATH, '--project-name <name>', 'project name recorded in the result'))
    .addOption(envOption(PATH, '-n, --namespace <namespace>', 'namespace recorded in the result'))
    .addOption(envOption(PATH, '--output-type <type>', `output format: ${OUTPUT_TYPES.join(', ')} (default: table on a terminal, json otherwise)`))
    .addOption(envOption(PATH, '--output-file <file>', 'write the output to this file (atomically) instead of stdout'))
    .addOption(envOption(PATH, '--strict', 'fail (exit 1) when a profile was recorded on another image instead of setting it aside'))
    .addOption(envOption(PATH, '--platform <os/arch[/variant]>', 'platform to scan in a multi-platform image (default: the host)'))
    .addOption(envOption(PATH, '--insecure-registry <host>', 'registry host to reach over plain HTTP (repeatable)').argParser(appendValue))
    .addHelpText('after', HELP_AFTER)
    .action(async (raw: RawOptions, command: Command) => {
      const opts = {
        ...raw,
        osReachability: switchValue(command, 'osReachability'),
        strict: switchValue(command, 'strict'),
        profilingDataDir: listValue(command, 'profilingDataDir'),
        insecureRegistry: listValue(command, 'insecureRegistry'),
      };
      if (opts.image && opts.imageTar) throw new UsageError('--image and --image-tar cannot be used together', { hint: 'scan one image at a time' });
      if (!opts.image && !opts.imageTar) throw new UsageError('no image to scan', { hint: 'pass --image REF or --image-tar FILE' });
      if (opts.osReachability && opts.profilingDataDir.length === 0) {
        throw new UsageError('--os-reachability needs at least one --profiling-data-dir', { hint: 'point it at the folder `creach container collect` wrote' });
      }
      if (!opts.osReachability && opts.profilingDataDir.length > 0) {
        throw new UsageError('--profiling-data-dir is only read with --os-reachability', { hint: 'add --os-reachability' });
      }
      let type: OutputType;
      if (opts.outputType !== undefined) {
        if (!isOutputType(opts.outputType)) throw new UsageError(`--output-type ${JSON.stringify(opts.outputType)} is not one of ${OUTPUT_TYPES.join(', ')}`);
        type = opts.outputType;
      } else {
        type = !opts.outputFile && (ctx.stdout as NodeJS.WriteStream).isTTY ? 'table' : 'json';
      }

      const result = await scan({
        image: opts.image,
        imageTar: opts.imageTar,
        platform: opts.platform,
        insecureRegistries: opts.insecureRegistry,
        osReachability: opts.osReachability,
        profilingDataDirs: opts.profilingDataDir,
        strict: opts.strict,
        projectName: opts.projectName,
        namespace: opts.namespace,
        log: ctx.log,
        progress: ctx.progress,
        signal: ctx.signal,
      });
      const text = encodeResult(type, result);
      if (opts.outputFile) {
        await atomicWriteFile(opts.outputFile, text, ctx.signal);
        ctx.log.info(`${countsLine(result)}; ${type} written to ${opts.outputFile}`);
      } else {
        await new Promise<void>((resolve, reject) => ctx.stdout.write(text, (e) => (e ? reject(e) : resolve())));
        if (type !== 'table' && type !== 'summary') ctx.log.info(countsLine(result));
      }
    });
  // Unknown flags and missing values are usage errors (exit 2), like the parent's.
  cmd.exitOverride();
}

