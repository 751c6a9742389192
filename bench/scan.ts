// bench/scan: on the ≥300 MB `big` test image saved with `docker save`, how long does a full
// scan (flatten + catalog + reachability from a real sensor report) take compared with only
// reading and decompressing its layers, and how much memory does it need at peak?
// Goals (issue 4): ratio ≤ 1.5, peak RSS < 300 MB. Baseline and scan run in the same session,
// alternately, each in a fresh process (so peak RSS is per run); medians are printed.
//   npx tsx bench/scan.ts [--runs N]
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, ensureTestImage, REPO_ROOT, uniqueName, waitFor } from '../test/support/images.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const SENSOR = join(REPO_ROOT, 'sensor/dist/creach-sensor-x86_64');

async function ok(args: string[]): Promise<string> {
  const r = await docker(args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

function child(args: string[]): Promise<Record<string, number | string>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench/scan-child.ts'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}')) : reject(new Error(`bench child ${args[0]} exited ${code}`))));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const work = await mkdtemp(join(tmpdir(), 'creach-bench-scan-'));
const name = uniqueName('bench-scan');
try {
  const image = await ensureTestImage('big');
  const digest = await ok(['image', 'inspect', '--format', '{{.Id}}', image]);
  const tar = join(work, 'big.tar');
  await ok(['save', '-o', tar, image]);
  const size = (await stat(tar)).size;

  // A real profile: the big image's nginx under the sensor for a moment, then stopped.
  const prof = join(work, 'profiles', 'docker', name);
  await mkdir(prof, { recursive: true });
  await chmod(prof, 0o777);
  await ok(['run', '-d', '--name', name, '--network', 'host', '--cap-add', 'SYS_PTRACE', '-v', `${SENSOR}:/opt/_instrumented/creach-sensor:ro`, '-v', `${prof}:/opt/_instrumented/artifacts`, '--entrypoint', '/opt/_instrumented/creach-sensor', image, 'run', '--image-digest', digest, '--', 'nginx', '-g', 'daemon off;']);
  await waitFor('the sensor\'s first report', async () => ((await stat(join(prof, 'creport.json')).catch(() => undefined)) ? true : undefined), 30_000, 200).catch(() => undefined);
  await ok(['stop', '--time', '20', name]);

  process.stderr.write(`image ${image}: ${(size / 2 ** 20).toFixed(0)} MiB docker-archive; ${runs} runs each\n`);
  await child(['baseline', tar]); // warm the page cache so both sides read from memory
  const base: Record<string, number | string>[] = [];
  const full: Record<string, number | string>[] = [];
  for (let i = 0; i < runs; i++) {
    base.push(await child(['baseline', tar]));
    full.push(await child(['scan', tar, join(work, 'profiles')]));
  }
  const bMs = median(base.map((r) => Number(r.ms)));
  const sMs = median(full.map((r) => Number(r.ms)));
  const bCpu = median(base.map((r) => Number(r.cpuMs)));
  const sCpu = median(full.map((r) => Number(r.cpuMs)));
  const sRss = Math.max(...full.map((r) => Number(r.maxRssMiB)));
  const bRss = Math.max(...base.map((r) => Number(r.maxRssMiB)));
  const f = full[0];
  console.log(`image:            ${image} (${(size / 2 ** 20).toFixed(0)} MiB tar, ${(Number(base[0].bytes) / 2 ** 20).toFixed(0)} MiB of layers)`);
  console.log(`packages:         ${f.packages} (${f.reachable} reachable, ${f.unreachable} unreachable, ${f.unknown} unknown)`);
  console.log(`baseline (read):  ${bMs.toFixed(0)} ms wall, ${bCpu.toFixed(0)} ms CPU (medians), peak RSS ${bRss.toFixed(0)} MiB`);
  console.log(`scan:             ${sMs.toFixed(0)} ms wall, ${sCpu.toFixed(0)} ms CPU (medians), peak RSS ${sRss.toFixed(0)} MiB`);
  const step = (k: string) => median(full.map((r) => Number(r[k] ?? 0))).toFixed(0);
  console.log(`scan steps:       image ${step('imageMs')} ms, flatten ${step('flattenMs')} ms, catalog ${step('catalogMs')} ms, reachability ${step('reachabilityMs')} ms (medians)`);
  console.log(`ratio scan/read:  ${(sMs / bMs).toFixed(2)} wall, ${(sCpu / bCpu).toFixed(2)} CPU (goal ≤ 1.5)`);
  console.log(`load average:     ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs (wall times swing with it)`);
  console.log(`peak memory:      ${sRss.toFixed(0)} MiB (goal < 300 MB = 286 MiB)`);
} finally {
  await docker(['rm', '-f', name]);
  await rm(work, { recursive: true, force: true });
}
