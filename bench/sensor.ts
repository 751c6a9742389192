// bench/sensor: what the sensor costs an application, measured in one run on this machine.
// Wall-time ratios to the native run for a file-heavy, an exec-heavy and a CPU-bound workload,
// and nginx requests/s under wrk, for every sensor engine next to `strace -f -e trace=%file,%process`
// (fanotify runs with --cap-add SYS_ADMIN, which it needs; every other configuration has none).
// Everything runs in a real container (Docker default profile, no added capabilities, --network
// host). Times come from /w/timeit inside the container (median of several runs of the workload),
// so container start-up and the sensor's own start and final report are not counted.
// Run: npx tsx bench/sensor.ts   (needs sensor/dist/creach-sensor-x86_64 and a Docker engine)
import { createServer } from 'node:net';
import {
  Cleanup, REPORT_IN_IMAGE, SENSOR_IN_IMAGE, copyOut, docker, dockerOk, pollUntil, requireEngine, run,
  sensorDebianImage, sensorRunImage, uniqueName, waitExited,
} from '../test/support/sensor-images.js';

type Config = { name: string; prefix: string[]; engine?: string; runArgs?: string[] };

const CONFIGS: Config[] = [
  { name: 'native', prefix: [] },
  { name: 'unotify', prefix: [SENSOR_IN_IMAGE, 'run', '--engine', 'unotify', '--'], engine: 'unotify' },
  { name: 'ptrace', prefix: [SENSOR_IN_IMAGE, 'run', '--engine', 'ptrace', '--'], engine: 'ptrace' },
  { name: 'proc', prefix: [SENSOR_IN_IMAGE, 'run', '--engine', 'proc', '--'], engine: 'proc' },
  // fanotify mount marks need CAP_SYS_ADMIN: the one configuration with an added capability
  { name: 'fanotify', prefix: [SENSOR_IN_IMAGE, 'run', '--engine', 'fanotify', '--'], engine: 'fanotify', runArgs: ['--cap-add', 'SYS_ADMIN'] },
  { name: 'strace -f', prefix: ['strace', '-f', '-qq', '-e', 'trace=%file,%process', '-o', '/dev/null', '--'] },
];

// The machine is shared: configurations are measured in interleaved rounds (order rotated each
// round) so that background load lands on all of them alike; each cell is the median of
// ROUNDS × RUNS samples.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WALL = [
  { name: 'file-heavy (10,000 opens)', cmd: ['/w/file-heavy', '10000'], goal: '≤ 2.0' },
  { name: 'exec-heavy (300 processes)', cmd: ['/w/exec-heavy', '300', '/w/probe'], goal: '≤ 1.3' },
  { name: 'CPU-bound', cmd: ['/w/cpu-bound', '200000000'], goal: '≤ 1.02' },
];
const WRK_SECONDS = Number(process.env.BENCH_WRK_SECONDS ?? 4);
const WEB_ROUNDS = Number(process.env.BENCH_WEB_ROUNDS ?? 2);

interface Cell {
  value: number; // seconds (wall) or requests/s (web)
  note?: string;
}

interface Samples {
  values: number[];
  notes: Set<string>;
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Runs `measure` for every config in ROUNDS interleaved rounds; one cell per config. */
async function interleaved(label: string, rounds: number, measure: (cfg: Config) => Promise<{ values: number[]; note?: string }>): Promise<Map<string, Cell>> {
  const samples = new Map<string, Samples>(CONFIGS.map((c) => [c.name, { values: [], notes: new Set<string>() }]));
  for (let round = 0; round < rounds; round++) {
    const order = CONFIGS.map((_, i) => CONFIGS[(i + round) % CONFIGS.length]!);
    for (const cfg of order) {
      process.stderr.write(`  ${label} / ${cfg.name} (round ${round + 1}/${rounds}) …\n`);
      const s = samples.get(cfg.name)!;
      try {
        const r = await measure(cfg);
        s.values.push(...r.values);
        if (r.note) s.notes.add(r.note);
      } catch (e) {
        s.notes.add(`failed: ${(e instanceof Error ? e.message : String(e)).slice(0, 160)}`);
      }
    }
  }
  return new Map([...samples].map(([k, s]) => [k, { value: median(s.values), note: [...s.notes].join('; ') || undefined }]));
}

const cleanup = new Cleanup();

/** What the sensor said about its own run: mode and whether it claims a complete record. */
async function sensorNote(name: string, cfg: Config): Promise<string | undefined> {
  if (!cfg.engine) return undefined;
  const text = await copyOut(name, REPORT_IN_IMAGE);
  if (!text) return 'no report';
  const r = JSON.parse(text) as { tracing?: { mode?: string }; complete?: boolean; files?: unknown[] };
  return `${r.tracing?.mode ?? '?'}${r.complete ? '' : ', incomplete'}, ${r.files?.length ?? 0} files`;
}

async function wall(image: string, cfg: Config, cmd: string[]): Promise<{ values: number[]; note?: string }> {
  const name = cleanup.container(uniqueName('bench'));
  const argv = [...cfg.prefix, '/w/timeit', '-n', String(RUNS), ...cmd];
  await dockerOk(['run', '-d', '--name', name, '--network', 'host', ...(cfg.runArgs ?? []), '--entrypoint', argv[0]!, image, ...argv.slice(1)]);
  const code = await waitExited(name, 600_000);
  const logs = await docker(['logs', name]);
  const m = /timeit: median_ns=\d+ runs=([\d,]+)/.exec(logs.stderr);
  if (code !== 0 || !m) {
    await docker(['rm', '-f', name]);
    throw new Error(`exit ${code}${code === 139 ? ' (SIGSEGV)' : ''}, no timing${logs.stderr.trim() ? `: ${logs.stderr.trim().split('\n').pop()}` : ''}`);
  }
  const note = await sensorNote(name, cfg);
  await docker(['rm', '-f', name]);
  return { values: m[1]!.split(',').map((ns) => Number(ns) / 1e9), note };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

async function web(image: string, cfg: Config): Promise<{ values: number[]; note?: string }> {
  const port = await freePort();
  // One worker (the other core runs wrk); as root, so every request's open() is traced like the app's
  // own (a worker that switched user would be unreadable without CAP_SYS_PTRACE).
  const conf = `user root; worker_processes 1; daemon off; pid /tmp/nginx.pid; error_log stderr;
events { worker_connections 512; }
http { access_log off; sendfile on; keepalive_requests 100000;
  server { listen 127.0.0.1:${port}; root /tmp/www; } }`;
  const script = `mkdir -p /tmp/www && echo 'creach bench page' >/tmp/www/index.html && cat >/tmp/nginx.conf <<'EOF'\n${conf}\nEOF\nexec nginx -c /tmp/nginx.conf`;
  const argv = [...cfg.prefix, '/bin/sh', '-c', script];
  const name = cleanup.container(uniqueName('bench-web'));
  await dockerOk(['run', '-d', '--name', name, '--network', 'host', ...(cfg.runArgs ?? []), '--entrypoint', argv[0]!, image, ...argv.slice(1)]);
  const url = `http://127.0.0.1:${port}/index.html`;
  await pollUntil(`nginx (${cfg.name}) answering on ${url}`, async () => {
    const r = await fetch(url).catch(() => undefined);
    return r?.ok ? true : undefined;
  }, 60_000, 200);
  await run('wrk', ['-t1', '-c16', '-d1s', url]); // warm-up
  const r = await run('wrk', ['-t1', '-c16', `-d${WRK_SECONDS}s`, url], { timeoutMs: 120_000 });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  if (r.code !== 0 || !m) throw new Error(`wrk against ${cfg.name}: ${r.stdout}${r.stderr}`);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(r.stdout);
  await docker(['stop', '-t', '10', name]);
  const note = await sensorNote(name, cfg);
  await docker(['rm', '-f', name]);
  return { values: [Number(m[1])], note: [note, non2xx ? `${non2xx[1]} non-2xx` : undefined].filter(Boolean).join('; ') || undefined };
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

async function main(): Promise<void> {
  const started = Date.now();
  await requireEngine();
  const image = cleanup.image(await sensorRunImage(await sensorDebianImage()));
  const cpu = await run('nproc', []);
  const load = (await run('cat', ['/proc/loadavg'])).stdout.split(' ').slice(0, 3).join(' ');
  process.stderr.write(`bench/sensor: image ${image}, ${cpu.stdout.trim()} CPUs, load ${load}, ${ROUNDS}×${RUNS} samples per wall cell (median), ${WEB_ROUNDS} wrk rounds\n`);

  const rows: { name: string; goal: string; unit: 'wall' | 'rps'; cells: Map<string, Cell> }[] = [];
  for (const w of WALL) {
    rows.push({ name: w.name, goal: w.goal, unit: 'wall', cells: await interleaved(w.name, ROUNDS, (cfg) => wall(image, cfg, w.cmd)) });
  }
  rows.push({
    name: `nginx static file, wrk -c16 ${WRK_SECONDS}s`,
    goal: '≥ 0.7 unotify, ≥ 0.95 fanotify',
    unit: 'rps',
    cells: await interleaved('nginx requests/s', WEB_ROUNDS, (cfg) => web(image, cfg)),
  });

  const names = CONFIGS.map((c) => c.name);
  const head = `${pad('workload', 34)}${pad('native', 14)}${names.slice(1).map((n) => pad(n, 11)).join('')}goal`;
  const lines = [head, '-'.repeat(head.length + 8)];
  const notes: string[] = [];
  for (const r of rows) {
    const base = r.cells.get('native')!.value;
    const nat = r.unit === 'wall' ? `${base.toFixed(3)} s` : `${Math.round(base)} req/s`;
    const ratios = names.slice(1).map((n) => {
      const c = r.cells.get(n)!;
      // wall: slowdown (time / native); web: share of native throughput kept (rps / native)
      const ratio = c.value / base;
      if (c.note) notes.push(`${r.name} / ${n}: ${c.note}`);
      return pad(Number.isFinite(ratio) ? ratio.toFixed(2) : 'failed', 11);
    });
    lines.push(`${pad(r.name, 34)}${pad(nat, 14)}${ratios.join('')}${r.goal}`);
  }
  process.stdout.write(`\n${lines.join('\n')}\n\nwall rows: time ÷ native (lower is better); nginx row: requests/s ÷ native (higher is better).\n`);
  if (notes.length) process.stdout.write(`sensor reports:\n${notes.map((n) => `  ${n}`).join('\n')}\n`);
  const loadEnd = (await run('cat', ['/proc/loadavg'])).stdout.split(' ').slice(0, 3).join(' ');
  process.stdout.write(`machine: ${cpu.stdout.trim()} CPUs, load average at start ${load}, at end ${loadEnd} (shared machine: ratios are noisy)\n`);
  process.stdout.write(`total bench time ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`bench/sensor: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(() => cleanup.run());
