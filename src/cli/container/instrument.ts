// `creach container instrument`: flags and CREACH_CONTAINER_INSTRUMENT_* variables → read the
// image (src/image/ref.ts) → instrument() (pure) → the chosen sinks. Errors go up to main.ts.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CreachError, UsageError, errnoCode } from '../../errors.js';
import { write as writeArchive } from '../../image/docker-archive/write.js';
import { write as writeEngine } from '../../image/engine/write.js';
import { pipeThroughEngine } from '../../image/engine/pipe.js';
import type { Platform } from '../../image/image.js';
import { hasRegistryHost, instrumentedName, resolve } from '../../image/ref.js';
import { write as writeRegistry } from '../../image/registry/write.js';
import { parseCommand, type SensorSettings } from '../../instrument/config.js';
import { instrument, instrumentImage, type InstrumentOptions } from '../../instrument/instrument.js';
import { checkImagePlatform, parsePlatforms } from '../../instrument/platforms.js';
import type { CliContext } from '../context.js';
import { appendValue, envOption, listValue, switchValue } from '../env.js';

const PATH = ['container', 'instrument'];
export const DEFAULT_OUTPUT_TAR = 'instrumented-image.tar';

const HELP_AFTER = `
What it does:
  Adds one layer with the creach sensor under /opt/_instrumented/ and makes the sensor the
  Entrypoint: it runs the original Entrypoint after "--"; Cmd stays the original Cmd, so
  "docker run IMAGE args" (or a Kubernetes "args:") still replaces only the arguments.
  The result is tagged <tag>-instrumented (latest-instrumented when no tag was given).

Where the image comes from (--image):
  a name the local Docker engine has, a registry reference (HOST[:PORT]/REPO[:TAG]), a
  "docker save" tar, or an OCI layout directory or tar. Prefixes force one:
  docker-daemon:NAME  docker-archive:FILE[:NAME]  oci:DIR[:TAG]  oci-archive:FILE[:TAG]  registry:REF

Where it goes:
  --output-image-tar FILE   a tar both "docker load" and OCI tools read (default ${DEFAULT_OUTPUT_TAR})
  --load-instrumented-image load it into the local Docker engine
  --publish                 push it to the source's registry repository as <tag>-instrumented
  With --load-instrumented-image or --publish, no tar is written unless --output-image-tar is
  given explicitly (flag or variable); then every named destination is written.

--entrypoint / --cmd take a JSON array (["python","app.py"]) or a command line split into
words like a shell would ("python app.py"); no shell is needed in the image. As with
"docker run --entrypoint", a new entrypoint without --cmd clears the original Cmd.

Environment:
  Every flag can also be set as CREACH_CONTAINER_INSTRUMENT_<FLAG>, e.g.
  CREACH_CONTAINER_INSTRUMENT_APP_STOP_SIGNAL=QUIT; switches take 1/true/yes/on.
  Flags on the command line win.

Examples:
  creach container instrument --image shop/web:1.4 --load-instrumented-image
  creach container instrument --image 127.0.0.1:5000/shop/web:1.4 --publish \\
    --platform linux/amd64,linux/arm64 --app-stop-signal QUIT --app-stop-grace-period 20s
  creach container instrument --image web.tar --output-image-tar web-instrumented.tar
  docker run --rm shop/web:1.4-instrumented`;

interface RawOptions {
  image?: string;
  appStopSignal?: string;
  appStopGracePeriod?: string;
  appStdoutToFile?: boolean;
  appStderrToFile?: boolean;
  entrypoint?: string;
  cmd?: string;
  debugMode?: boolean;
  loadInstrumentedImage?: boolean;
  outputImageTar?: string;
  sensorPath?: string;
  platform?: string;
  publish?: boolean;
  insecureRegistry?: string[];
}


/** Where the packaged sensors live: <package root>/sensor/dist. */
function packagedSensorDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'sensor', 'dist');
    dir = dirname(dir);
  }
  return join(process.cwd(), 'sensor', 'dist');
}

const ARCH_FILE: Record<string, string> = { amd64: 'x86_64', arm64: 'aarch64' };

/** --sensor-path is one binary (used for every platform) or a directory of creach-sensor-<arch>. */
export function sensorSource(sensorPath?: string): InstrumentOptions['sensor'] {
  const cache = new Map<string, Promise<{ binary: Buffer; where: string }>>();
  return (platform: Platform) => {
    const name = `creach-sensor-${ARCH_FILE[platform.architecture] ?? platform.architecture}`;
    let where = sensorPath ? sensorPath : join(packagedSensorDir(), name);
    if (sensorPath && existsSync(sensorPath) && statSync(sensorPath).isDirectory()) where = join(sensorPath, name);
    let p = cache.get(where);
    if (!p) {
      p = readFile(where).then(
        (binary) => ({ binary, where }),
        (e) => {
          throw new CreachError('SENSOR_NOT_FOUND', `no sensor at ${where} (${errnoCode(e) ?? (e as Error).message})`, {
            hint: sensorPath ? 'point --sensor-path at the sensor binary or at a directory of creach-sensor-<arch> files' : 'build the sensors with `make -C sensor`, or pass --sensor-path',
          });
        },
      );
      cache.set(where, p);
    }
    return p;
  };
}


export interface InstrumentCommandOptions {
  image: string;
  settings: SensorSettings;
  entrypoint?: string[];
  cmd?: string[];
  platforms?: Platform[];
  sensorPath?: string;
  outputTar?: string;
  load: boolean;
  publish: boolean;
  insecureRegistries: string[];
}

export function parseOptions(raw: RawOptions, cmd: Command): InstrumentCommandOptions {
  if (!raw.image) throw new UsageError('--image is required', { hint: 'name the image to instrument: --image NAME, a registry reference, a tar or an OCI layout' });
  const load = switchValue(cmd, 'loadInstrumentedImage');
  const publish = switchValue(cmd, 'publish');
  const tarExplicit = cmd.getOptionValueSource('outputImageTar') === 'cli' || cmd.getOptionValueSource('outputImageTar') === 'env';
  const outputTar = tarExplicit || (!load && !publish) ? (raw.outputImageTar ?? DEFAULT_OUTPUT_TAR) : undefined;
  return {
    image: raw.image,
    settings: {
      stopSignal: raw.appStopSignal,
      stopGracePeriod: raw.appStopGracePeriod,
      stdoutToFile: switchValue(cmd, 'appStdoutToFile'),
      stderrToFile: switchValue(cmd, 'appStderrToFile'),
      debug: switchValue(cmd, 'debugMode'),
    },
    entrypoint: raw.entrypoint !== undefined ? parseCommand(raw.entrypoint, '--entrypoint') : undefined,
    cmd: raw.cmd !== undefined ? parseCommand(raw.cmd, '--cmd') : undefined,
    platforms: raw.platform ? parsePlatforms(raw.platform) : undefined,
    sensorPath: raw.sensorPath,
    outputTar,
    load,
    publish,
    insecureRegistries: listValue(cmd, 'insecureRegistry'),
  };
}

export async function runInstrument(o: InstrumentCommandOptions, ctx: CliContext): Promise<string> {
  const base = { log: ctx.log, progress: ctx.progress, signal: ctx.signal };
  const readOpts = { ...base, insecureRegistries: o.insecureRegistries };
  const instrumentBase = {
    ...base,
    sensor: sensorSource(o.sensorPath),
    settings: o.settings,
    entrypoint: o.entrypoint,
    cmd: o.cmd,
    platforms: o.platforms,
  };
  // Engine to engine only: one streaming pass from /images/get into /images/load, unchanged
  // layers passed through byte for byte (no temp file, no re-hashing).
  const engineName = o.image.startsWith('docker-daemon:') ? o.image.slice('docker-daemon:'.length) : !hasRegistryHost(o.image) && !/^[a-z-]+:(?!\d)/.test(o.image) && !existsSync(o.image) ? o.image : undefined;
  if (o.load && !o.publish && !o.outputTar && engineName) {
    const fast = await pipeThroughEngine(
      engineName,
      async (base, platform, inspect) => {
        checkImagePlatform(platform, o.image, o.platforms);
        const image = await instrumentImage(base, platform, { ...instrumentBase, reference: o.image, manifestDigestKnown: false });
        const tags = inspect.RepoTags?.filter((t) => t !== '<none>:<none>') ?? [];
        return { image, name: instrumentedName(engineName.startsWith('sha256:') && tags.length ? tags[0] : engineName) };
      },
      base,
    );
    if (fast) {
      ctx.log.info(`loaded ${fast.name} into the Docker engine`);
      return fast.name;
    }
    ctx.log.debug('the engine exports the OCI layout; taking the general path');
  }
  const src = await resolve(o.image, readOpts);
  const name = instrumentedName(src.names[0] ?? o.image);
  ctx.log.debug(`read ${o.image} from ${src.kind} ${src.location}`);
  const result = await instrument(src.image, { ...instrumentBase, reference: o.image, manifestDigestKnown: src.manifestDigestKnown });
  if (o.outputTar) {
    await writeArchive(o.outputTar, result, { ...base, name, phase: `writing ${o.outputTar}` });
    ctx.log.info(`wrote ${o.outputTar} (${name})`);
  }
  if (o.load) {
    await writeEngine(name, result, base);
    ctx.log.info(`loaded ${name} into the Docker engine`);
  }
  if (o.publish) {
    if (!hasRegistryHost(name)) {
      throw new UsageError(`--publish needs a registry reference, but ${o.image} names no registry`, { hint: 'instrument a registry reference (HOST[:PORT]/REPO:TAG), or use --output-image-tar / --load-instrumented-image' });
    }
    const r = await writeRegistry(name, result, { ...readOpts, sourceRef: src.kind === 'registry' ? src.location : undefined });
    ctx.log.info(`pushed ${name}@${r.digest} (${r.stats.uploaded} blobs uploaded, ${r.stats.mounted} mounted, ${r.stats.existing} already there)`);
  }
  return name;
}

export function register(parent: Command, ctx: CliContext): void {
  const cmd = parent
    .command('instrument')
    .description('add the creach sensor to a container image; the result is tagged <tag>-instrumented')
    .addOption(envOption(PATH, '--image <ref>', 'image to instrument: engine name, registry reference, docker save tar or OCI layout'))
    .addOption(envOption(PATH, '--app-stop-signal <signal>', 'signal the sensor forwards to stop the app (QUIT, SIGQUIT or a number)'))
    .addOption(envOption(PATH, '--app-stop-grace-period <duration>', 'time the app gets after the stop signal before it is killed (10s, 500ms, 2m)'))
    .addOption(envOption(PATH, '--app-stdout-to-file', "write the app's stdout to /opt/_instrumented/artifacts/app-stdout.log"))
    .addOption(envOption(PATH, '--app-stderr-to-file', "write the app's stderr to /opt/_instrumented/artifacts/app-stderr.log"))
    .addOption(envOption(PATH, '--entrypoint <command>', 'override the original Entrypoint (JSON array or command line)'))
    .addOption(envOption(PATH, '--cmd <command>', 'override the original Cmd (JSON array or command line)'))
    .addOption(envOption(PATH, '--debug-mode', 'make the sensor log debug detail to stderr'))
    .addOption(envOption(PATH, '--load-instrumented-image', 'load the result into the local Docker engine'))
    .addOption(envOption(PATH, '--output-image-tar <file>', 'write the result as a docker/OCI tar').default(DEFAULT_OUTPUT_TAR))
    .addOption(envOption(PATH, '--sensor-path <path>', 'sensor binary, or a directory of creach-sensor-<x86_64|aarch64> (default: the packaged sensors)'))
    .addOption(envOption(PATH, '--platform <platforms>', 'platforms to instrument, comma-separated (linux/amd64,linux/arm64); default: all supported'))
    .addOption(envOption(PATH, '--publish', "push the result to the source's registry repository"))
    .addOption(envOption(PATH, '--insecure-registry <host>', 'registry reachable over plain HTTP (repeatable)').argParser(appendValue))
    .addHelpText('after', HELP_AFTER)
    .action(async (raw: RawOptions, c: Command) => {
      const o = parseOptions(raw, c);
      const name = await runInstrument(o, ctx);
      ctx.stdout.write(`${name}\n`);
    });
  cmd.exitOverride();
}
