// bench/instrument: on the ≥300 MB `big` test image,
//  1. instrument from the engine and load back, as a ratio to `docker save | docker load` of the
//     same image measured in the same run (goal ≤ 1.3);
//  2. registry-to-registry instrument (--publish) of a small and of the big image (goal: both
//     < 3 s, not growing with the image). Cold = empty layer-skeleton cache (the base layers are
//     listed once to check for an /opt symlink); warm = a second image on the same base layers.
// Both run the command's code in this process (runInstrument), so node/tsx start-up is not
// counted, just as the docker CLI's is negligible in the baseline. The machine is shared, so
// the engine comparison alternates baseline and creach --runs times (default 3) and reports
// the median of the per-pair ratios.
// Uses sensor/dist/creach-sensor-x86_64 when built, otherwise a small static stand-in.
//   npx tsx bench/instrument.ts [--runs N]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInstrument, parseOptions } from '../src/cli/container/instrument.js';
import type { CliContext } from '../src/cli/context.js';
import { silentLogger } from '../src/log.js';
import { docker, ensureTestImage, REPO_ROOT, run, uniqueName } from '../test/support/images.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;

const REG = '127.0.0.1:5000';

async function ok(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim().slice(-1000)}`);
  return r.stdout.trim();
}

async function timed(what: string, f: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await f();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stderr.write(`bench: ${what}: ${s.toFixed(2)} s\n`);
  return s;
}

/** The instrument command's code, in this process. */
async function creach(args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const { Command } = await import('commander');
    const ctx: CliContext = { log: silentLogger, progress: () => {}, signal: new AbortController().signal, stdout: process.stdout };
    const cmd = new Command('instrument').exitOverride();
    cmd.option('--image <r>').option('--sensor-path <p>').option('--load-instrumented-image').option('--publish').option('--output-image-tar <f>', '', 'instrumented-image.tar');
    cmd.parse(args.slice(2), { from: 'user' });
    await runInstrument(parseOptions(cmd.opts(), cmd), ctx);
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

async function sensorPath(dir: string): Promise<string> {
  const built = join(REPO_ROOT, 'sensor/dist/creach-sensor-x86_64');
  if (existsSync(built)) return built;
  const src = join(dir, 'stand-in.c');
  await writeFile(src, '#include <string.h>\n#include <unistd.h>\nint main(int c,char**v){for(int i=1;i<c;i++)if(!strcmp(v[i],"--")){execv(v[i+1],v+i+1);return 127;}return 2;}\n');
  await ok('gcc', ['-static', '-O2', '-o', join(dir, 'stand-in'), src]);
  return join(dir, 'stand-in');
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'creach-bench-instrument-'));
  const cleanupImages: string[] = [];
  try {
    const sensor = await sensorPath(dir);
    const big = await ensureTestImage('big');
    const bigSize = Number(await ok('docker', ['image', 'inspect', '--format', '{{.Size}}', big]));
    process.stderr.write(`bench: big image ${big}: ${(bigSize / 1e6).toFixed(0)} MB\n`);
    const instrumented = big.replace(/:([^:]+)$/, ':$1-instrumented');
    cleanupImages.push(instrumented);

    // 1. engine → engine vs docker save | docker load (warm-up pass of each first).
    const baseline = () => ok('sh', ['-c', `docker save ${big} | docker load >/dev/null`]);
    const ours = async () => {
      await docker(['rmi', '-f', instrumented]);
      await creach(['container', 'instrument', '--image', big, '--sensor-path', sensor, '--load-instrumented-image']);
    };
    await baseline();
    const pairs: { base: number; ours: number }[] = [];
    for (let i = 0; i < runs; i++) {
      const b = await timed(`docker save | docker load (run ${i + 1})`, baseline);
      const o = await timed(`creach instrument --load-instrumented-image, engine → engine (run ${i + 1})`, ours);
      pairs.push({ base: b, ours: o });
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const ratios = pairs.map((p) => p.ours / p.base);
    const tBase = median(pairs.map((p) => p.base));
    const tOurs = median(pairs.map((p) => p.ours));

    // 2. registry → registry, small and big, cold and warm skeleton cache.
    const small = `${uniqueName('bench-small')}:1`;
    cleanupImages.push(small);
    const tiny = join(dir, 'tiny');
    await ok('sh', ['-c', `mkdir -p ${tiny}/bin && cp ${sensor} ${tiny}/bin/app && tar -C ${tiny} -c . | docker import -c 'ENTRYPOINT ["/bin/app"]' - ${small}`]);
    const regSmall = `${REG}/${small}`;
    const regBig = `${REG}/${uniqueName('bench-big')}:1`;
    for (const [local, remote] of [[small, regSmall], [big, regBig]]) {
      await ok('docker', ['tag', local, remote]);
      await ok('docker', ['push', remote]);
      await ok('docker', ['rmi', remote]);
    }
    const cache = join(dir, 'cache');
    const publish = (ref: string) => creach(['container', 'instrument', '--image', `registry:${ref}`, '--sensor-path', sensor, '--publish'], { CREACH_CACHE_DIR: cache });
    const tSmallCold = await timed('registry → registry, small image, cold', () => publish(regSmall));
    const tBigCold = await timed('registry → registry, big image, cold', () => publish(regBig));
    const tSmallWarm = await timed('registry → registry, small image, warm', () => publish(regSmall));
    const tBigWarm = await timed('registry → registry, big image, warm', () => publish(regBig));

    const line = (k: string, v: string) => process.stdout.write(`${k.padEnd(52)} ${v}\n`);
    line('image', `${big} (${(bigSize / 1e6).toFixed(0)} MB)`);
    line('docker save | docker load (median)', `${tBase.toFixed(2)} s`);
    line('instrument engine → engine (median)', `${tOurs.toFixed(2)} s`);
    line('ratio per run', ratios.map((r) => r.toFixed(2)).join(' '));
    line('ratio, median of runs (goal ≤ 1.3)', `${median(ratios).toFixed(2)}`);
    line('registry → registry small, cold / warm (goal < 3 s)', `${tSmallCold.toFixed(2)} s / ${tSmallWarm.toFixed(2)} s`);
    line('registry → registry big, cold / warm (goal < 3 s)', `${tBigCold.toFixed(2)} s / ${tBigWarm.toFixed(2)} s`);
  } finally {
    await docker(['rmi', '-f', ...cleanupImages]);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
