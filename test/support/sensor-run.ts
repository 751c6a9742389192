// Running one workload in a real container (Docker's default seccomp profile, no --privileged,
// no added capabilities, --network host) either under the sensor as PID 1 or under strace.
import { mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cleanup, REPORT_IN_IMAGE, SENSOR_IN_IMAGE, copyOut, docker, dockerOk, logs, uniqueName, waitExited } from './sensor-images.js';

export type Engine = 'auto' | 'unotify' | 'ptrace' | 'proc' | 'fanotify';

/** fanotify mount marks need CAP_SYS_ADMIN: the only engine run with an added capability. */
export function engineRunArgs(engine: Engine | undefined): string[] {
  return engine === 'fanotify' ? ['--cap-add', 'SYS_ADMIN'] : [];
}

export function engineLabel(engine: Engine): string {
  return engine === 'fanotify' ? '--engine fanotify (--cap-add SYS_ADMIN)' : `--engine ${engine}`;
}

export interface SensorRun {
  name: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** creport.json copied out of the stopped container; undefined when the sensor wrote none. */
  reportText: string | undefined;
}

export async function runUnderSensor(
  cleanup: Cleanup,
  image: string,
  cmd: string[],
  opts: { engine?: Engine; sensorArgs?: string[]; runArgs?: string[]; timeoutMs?: number } = {},
): Promise<SensorRun> {
  const name = cleanup.container(uniqueName('sensor'));
  const sensorArgs = [...(opts.engine ? ['--engine', opts.engine] : []), ...(opts.sensorArgs ?? [])];
  await dockerOk(['run', '-d', '--name', name, '--network', 'host', ...engineRunArgs(opts.engine), ...(opts.runArgs ?? []), '--entrypoint', SENSOR_IN_IMAGE, image, 'run', ...sensorArgs, '--', ...cmd]);
  const exitCode = await waitExited(name, opts.timeoutMs ?? 120_000);
  const l = await logs(name);
  const reportText = await copyOut(name, REPORT_IN_IMAGE);
  await docker(['rm', '-f', name]);
  return { name, exitCode, stdout: l.stdout, stderr: l.stderr, reportText };
}

export interface StraceRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  strace: string;
  /** Every directory of the container's root filesystem after the run (to drop directory opens). */
  directories: Set<string>;
}

export const STRACE_ARGS = ['-f', '-v', '-y', '-qq', '-s', '4096', '-e', 'trace=%file,%process,fchdir'];

export async function runUnderStrace(image: string, cmd: string[], opts: { runArgs?: string[] } = {}): Promise<StraceRun> {
  const out = mkdtempSync(path.join(tmpdir(), 'creach-test-strace-'));
  chmodSync(out, 0o777);
  try {
    const script = `strace ${STRACE_ARGS.map((a) => `'${a}'`).join(' ')} -o /out/strace.txt -- "$@"; rc=$?; find / -xdev -type d >/out/dirs.txt 2>/dev/null; exit $rc`;
    const r = await docker(['run', '--rm', '--network', 'host', '-v', `${out}:/out`, ...(opts.runArgs ?? []), '--entrypoint', 'sh', image, '-c', script, 'sh', ...cmd], { timeoutMs: 180_000 });
    const strace = readFileSync(path.join(out, 'strace.txt'), 'utf8');
    const directories = new Set(readFileSync(path.join(out, 'dirs.txt'), 'utf8').split('\n').filter(Boolean));
    return { exitCode: r.code, stdout: r.stdout, stderr: r.stderr, strace, directories };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
