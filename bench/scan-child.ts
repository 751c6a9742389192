// One measured run for bench/scan.ts, in its own process so its peak RSS is its own:
//   baseline TAR          read the image from the tar and stream every layer, decompressed, to the end
//   scan TAR PROFILE_DIR  the whole scan pipeline with reachability
// Prints one JSON line: { ms, cpuMs, maxRssMiB, ... }.
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readImage } from '../src/image/ref.js';
import { scan } from '../src/scan/scan.js';

async function baseline(tar: string): Promise<Record<string, number>> {
  const image = await readImage(tar);
  let bytes = 0;
  for (const layer of await image.layers()) {
    await pipeline(
      await layer.uncompressed(),
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          bytes += chunk.length;
          cb();
        },
      }),
    );
  }
  return { bytes };
}

async function full(tar: string, profiles: string): Promise<Record<string, number>> {
  const steps: Record<string, number> = {};
  const log = {
    debug: (m: string) => {
      const x = /^timing: (\w+) (\d+) ms/.exec(m);
      if (x) steps[`${x[1]}Ms`] = Number(x[2]);
    },
    info() {},
    warn() {},
  };
  const r = await scan({ imageTar: tar, osReachability: true, profilingDataDirs: [profiles], log });
  return { ...steps, packages: r.counts.total, reachable: r.counts.reachable, unreachable: r.counts.unreachable, unknown: r.counts.unknown };
}

const [mode, tar, profiles] = process.argv.slice(2);
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const extra = mode === 'baseline' ? await baseline(tar) : await full(tar, profiles);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
// CPU time too: on a shared machine wall time swings with others' load, CPU time much less.
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ mode, ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024, ...extra })}\n`);
