// The sensor as PID 1 of a real container, under Docker's default seccomp profile, without
// --privileged and without added capabilities: exit status passthrough, signal forwarding,
// reaping of orphans, the stop → final report → stay alive → SIGTERM sequence, the periodic
// flush surviving SIGKILL, and the stop/report/status subcommands in an image with no shell.
// Everything polls with a deadline; no timing is asserted.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS_DIR, Cleanup, REPORT_IN_IMAGE, SENSOR_IN_IMAGE, buildWorkloads, containerState, copyOut, docker, dockerOk,
  logs, noShellImage, pollUntil, sensorDebianImage, sensorRunImage, uniqueName, waitExited,
} from '../support/sensor-images.js';
import { type CReport, parseReport } from '../support/sensor-report.js';
import { runUnderSensor } from '../support/sensor-run.js';

let image: string;
const cleanup = new Cleanup();
// PID 1 duties must hold whichever engine traces the app: under ptrace, signals reach the app
// through the tracer (signal-delivery stops must be re-injected) and the tracer also reaps.
const ENGINES = ['auto', 'ptrace', 'proc'] as const;

beforeAll(async () => {
  image = cleanup.image(await sensorRunImage(await sensorDebianImage()));
});
afterAll(async () => {
  await cleanup.run();
});

/** Starts the sensor as PID 1 with `sensorArgs`, running `cmd`; returns the container name. */
async function start(sensorArgs: string[], cmd: string[], img = image): Promise<string> {
  const name = cleanup.container(uniqueName('pid1'));
  await dockerOk(['run', '-d', '--name', name, '--network', 'host', '--entrypoint', SENSOR_IN_IMAGE, img, 'run', ...sensorArgs, '--', ...cmd]);
  return name;
}

async function waitLog(name: string, re: RegExp, what: string): Promise<string> {
  return pollUntil(`${what} in the logs of ${name}`, async () => {
    const l = await logs(name);
    return re.test(l.stdout) ? l.stdout : undefined;
  }, 30_000);
}

async function reportOf(name: string): Promise<CReport | undefined> {
  const text = await copyOut(name, REPORT_IN_IMAGE);
  return text === undefined ? undefined : parseReport(text, name);
}

/** Runs items with at most `n` at a time (2 cores shared with other engineers). */
async function limited<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

describe('exit status passthrough', () => {
  it('exits with the app\'s exit code for 0, 1, 2, 3, 42, 126, 127, 128, 254 and 255, and records it', async () => {
    const codes = [0, 1, 2, 3, 42, 126, 127, 128, 254, 255];
    const got = await limited(codes, 3, async (code) => {
      const r = await runUnderSensor(cleanup, image, ['/w/pid1-app', 'exit', String(code)]);
      const report = r.reportText ? parseReport(r.reportText, `exit ${code}`) : undefined;
      return { code, exit: r.exitCode, reported: report?.app.exitStatus, final: report?.final };
    });
    expect(got).toEqual(codes.map((code) => ({ code, exit: code, reported: code, final: true })));
  });

  for (const engine of ENGINES) {
    it(`--engine ${engine}: exits with 128+N when the app dies from signal N (HUP, INT, QUIT, ABRT, KILL, USR1, SEGV, TERM)`, async () => {
      const signals = [1, 2, 3, 6, 9, 10, 11, 15];
      const got = await limited(signals, 3, async (sig) => {
        const r = await runUnderSensor(cleanup, image, ['/w/pid1-app', 'die', String(sig)], { engine });
        const report = r.reportText ? parseReport(r.reportText, `die ${sig}`) : undefined;
        return { sig, exit: r.exitCode, reported: report?.app.exitStatus, signal: report?.app.signal };
      });
      expect(got).toEqual(signals.map((sig) => ({ sig, exit: 128 + sig, reported: 128 + sig, signal: sig })));
    });
  }

  it('exits 127 when the app does not exist and 126 when it is not executable, and still writes a report', async () => {
    const missing = await runUnderSensor(cleanup, image, ['/no/such/program']);
    const notExec = await runUnderSensor(cleanup, image, ['/etc/hostname']);
    expect({ missing: missing.exitCode, notExec: notExec.exitCode }).toEqual({ missing: 127, notExec: 126 });
    expect(parseReport(missing.reportText ?? '', 'exec ENOENT').app.exitStatus).toBe(127);
    expect(parseReport(notExec.reportText ?? '', 'exec EACCES').app.exitStatus).toBe(126);
  });
});

describe('signal forwarding', () => {
  for (const engine of ENGINES) {
    it(`--engine ${engine}: forwards HUP, USR1, USR2, WINCH and TERM to the app, which traps and reports each; exits with the app's status`, async () => {
      const name = await start(['--engine', engine], ['/w/pid1-app', 'trap', '15', '7']);
      await waitLog(name, /^ready /m, 'ready');
      for (const [sig, n] of [['HUP', 1], ['USR1', 10], ['USR2', 12], ['WINCH', 28]] as const) {
        await dockerOk(['kill', '-s', sig, name]);
        await waitLog(name, new RegExp(`^got ${n}$`, 'm'), `the app receiving SIG${sig}`);
      }
      await dockerOk(['kill', '-s', 'TERM', name]);
      const out = await waitLog(name, /^exiting 7$/m, 'the app exiting on SIGTERM');
      expect(out).toMatch(/^got 15$/m);
      expect(await waitExited(name)).toBe(7);
      const report = await reportOf(name);
      expect(report?.final).toBe(true);
      expect(report?.app.exitStatus).toBe(7);
    });
  }
});

describe('zombie reaping', () => {
  for (const engine of ENGINES) {
    it(`--engine ${engine}: reaps orphans re-parented to PID 1: no zombie is left in ps`, async () => {
      const name = await start(['--engine', engine], ['/w/pid1-app', 'orphans', '20']);
      await waitLog(name, /^orphans-done 20$/m, 'the app creating 20 orphans');
      const ps = async () => (await dockerOk(['exec', name, 'ps', '-eo', 'pid=,ppid=,stat=,comm='])).trim().split('\n').map((l) => l.trim());
      let last: string[] = [];
      const clean = await pollUntil('no zombies in the container', async () => {
        last = (await ps()).filter((l) => /^\d+\s+\d+\s+Z/.test(l));
        return last.length === 0 ? true : undefined;
      }, 30_000, 250).catch(() => false);
      expect(clean ? [] : last, 'zombie processes (pid ppid stat comm) still in ps').toEqual([]);
      // the app is still alive and unharmed; stop it cleanly
      await dockerOk(['kill', '-s', 'TERM', name]);
      expect(await waitExited(name)).toBe(0);
    });
  }
});

describe('stop sequence', () => {
  for (const engine of ENGINES) {
    it(`--engine ${engine}, --stop-signal QUIT: the app gets QUIT, the final report is written, the sensor stays alive until SIGTERM, then exits with the app's status`, async () => {
      const name = await start(['--engine', engine, '--stop-signal', 'QUIT', '--stop-grace-period', '20s'], ['/w/pid1-app', 'trap', '3', '7', '/w/probe']);
      await waitLog(name, /^ready /m, 'ready');
      await dockerOk(['kill', '-s', 'QUIT', name]);
      await waitLog(name, /^got 3$/m, 'the app receiving SIGQUIT');
      await waitLog(name, /^exiting 7$/m, 'the app exiting');
      const report = await pollUntil('a final report', async () => {
        const r = await reportOf(name);
        return r?.final ? r : undefined;
      }, 30_000, 200);
      expect(report.app.exitStatus).toBe(7);
      // evidence opened by the app after it received the stop signal is in the final report
      // (sampling /proc cannot see a file opened and closed between two looks)
      if (engine !== 'proc') expect(report.files.some((f) => f.path === '/w/probe' && f.ops.includes('read'))).toBe(true);
      expect((await containerState(name)).running, 'the sensor must stay alive after the final report').toBe(true);
      // still reachable for collection while alive
      expect(await copyOut(name, REPORT_IN_IMAGE)).toBeDefined();
      await dockerOk(['kill', '-s', 'TERM', name]);
      expect(await waitExited(name)).toBe(7);
    });
  }

  it('--stop-grace-period: an app that ignores the stop signal is killed after the grace period; final report says so; stays alive until SIGTERM', async () => {
    const name = await start(['--stop-signal', 'SIGUSR1', '--stop-grace-period', '1s'], ['/w/pid1-app', 'trap', '15', '7']);
    await waitLog(name, /^ready /m, 'ready');
    await dockerOk(['kill', '-s', 'USR1', name]);
    await waitLog(name, /^got 10$/m, 'the app receiving SIGUSR1');
    const report = await pollUntil('a final report', async () => {
      const r = await reportOf(name);
      return r?.final ? r : undefined;
    }, 30_000, 200);
    expect({ exitStatus: report.app.exitStatus, signal: report.app.signal }).toEqual({ exitStatus: 137, signal: 9 });
    expect((await containerState(name)).running).toBe(true);
    await dockerOk(['kill', '-s', 'TERM', name]);
    expect(await waitExited(name)).toBe(137);
  });

  it('plain SIGTERM (docker stop) without --stop-signal: forwards, writes the final report and exits with the app\'s status', async () => {
    const name = await start([], ['/w/pid1-app', 'trap', '15', '9', '/w/probe']);
    await waitLog(name, /^ready /m, 'ready');
    await dockerOk(['stop', '-t', '30', name]);
    expect(await waitExited(name)).toBe(9);
    const report = await reportOf(name);
    expect(report?.final).toBe(true);
    expect(report?.app.exitStatus).toBe(9);
  });
});

describe('periodic flush', () => {
  it('a report flushed while the app runs survives docker kill -s KILL (final: false)', async () => {
    const name = await start(['--flush-interval', '500ms'], ['/w/pid1-app', 'sleep', '/w/probe']);
    await waitLog(name, /^sleeping /m, 'the app sleeping');
    await pollUntil('a flushed report that contains the file the app opened', async () => {
      const r = await reportOf(name);
      return r?.files.some((f) => f.path === '/w/probe') ? true : undefined;
    }, 30_000, 200);
    await dockerOk(['kill', '-s', 'KILL', name]);
    expect(await waitExited(name)).toBe(137);
    const report = await reportOf(name);
    expect(report, 'report copied with docker cp from the killed container').toBeDefined();
    expect(report!.final).toBe(false);
    expect(report!.files.some((f) => f.path === '/w/probe' && f.ops.includes('read'))).toBe(true);
    expect(report!.processes.some((p) => p.argv[0] === '/w/pid1-app')).toBe(true);
  });
});

describe('report while the app is busy', () => {
  it('every `report` via docker exec while the app opens files in a loop is a valid report; SIGTERM then ends it with a final report of all 100 files', async () => {
    // runs far longer than the test needs; SIGTERM ends it (timeit dies by the signal: 143)
    const name = await start([], ['/w/timeit', '-n', '100', '/w/file-heavy', '10000']);
    await pollUntil('the app running', async () => ((await containerState(name)).running ? true : undefined));
    const problems: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await docker(['exec', name, SENSOR_IN_IMAGE, 'report']);
      if (r.code !== 0) {
        problems.push(`report exited ${r.code}: ${r.stderr.trim()}`);
        continue;
      }
      try {
        parseReport(r.stdout, 'report during load');
      } catch (e) {
        problems.push(String(e).slice(0, 300));
      }
    }
    expect(problems).toEqual([]);
    expect((await containerState(name)).running, 'the app must still be running, or the reports were not read under load').toBe(true);
    await dockerOk(['kill', '-s', 'TERM', name]);
    expect(await waitExited(name)).toBe(143);
    const final = await reportOf(name);
    expect(final?.final).toBe(true);
    expect(final?.files.filter((f) => f.path.startsWith('/tmp/creach-fh/')).length).toBe(100);
  });
});

describe('stdin, tty and output', () => {
  it('passes stdin through to the app (docker run -i)', async () => {
    const r = await docker(['run', '--rm', '-i', '--network', 'host', '--entrypoint', SENSOR_IN_IMAGE, image, 'run', '--', '/usr/bin/wc', '-c'], { input: 'hello through pid 1\n' });
    expect({ code: r.code, out: r.stdout.trim() }).toEqual({ code: 0, out: '20' });
  });

  it('gives the app the container\'s tty (docker run -t)', async () => {
    const r = await docker(['run', '--rm', '-t', '--network', 'host', '--entrypoint', SENSOR_IN_IMAGE, image, 'run', '--', '/usr/bin/tty']);
    expect({ code: r.code, out: r.stdout.trim() }).toEqual({ code: 0, out: '/dev/pts/0' });
  });

  it('--stdout-to-file / --stderr-to-file put the app\'s output in the artifacts dir instead of the container log', async () => {
    const r = await runUnderSensor(cleanup, image, ['/bin/sh', '-c', 'echo to-stdout; echo to-stderr >&2'], { sensorArgs: ['--stdout-to-file', '--stderr-to-file'] });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toContain('to-stdout');
    expect(r.stderr).not.toContain('to-stderr');
  });

  it('--stdout-to-file / --stderr-to-file: app-stdout.log and app-stderr.log hold exactly the app\'s output', async () => {
    const name = await start(['--stdout-to-file', '--stderr-to-file'], ['/bin/sh', '-c', 'echo to-stdout; echo to-stderr >&2']);
    expect(await waitExited(name)).toBe(0);
    expect({
      out: await copyOut(name, `${ARTIFACTS_DIR}/app-stdout.log`),
      err: await copyOut(name, `${ARTIFACTS_DIR}/app-stderr.log`),
    }).toEqual({ out: 'to-stdout\n', err: 'to-stderr\n' });
  });

  it('--image-ref and --image-digest are written to the report for scan to compare', async () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const r = await runUnderSensor(cleanup, image, ['/w/probe'], { sensorArgs: ['--image-ref', '127.0.0.1:5000/app:1.0', '--image-digest', digest] });
    const report = parseReport(r.reportText ?? '', 'image ref');
    expect(report.image).toMatchObject({ reference: '127.0.0.1:5000/app:1.0', configDigest: digest });
  });
});

describe('runtime variations', () => {
  it('as a non-root user (--user 65534:65534, as distroless nonroot images run): the app runs, the record is complete', async () => {
    const cmd = ['/w/probe', '--open', '/etc/hostname', '--exit', '3'];
    const r = await runUnderSensor(cleanup, image, cmd, { runArgs: ['--user', '65534:65534'] });
    expect(r.exitCode, r.stderr).toBe(3);
    const report = parseReport(r.reportText ?? '', 'non-root');
    expect({ complete: report.complete, reasons: report.incompleteReasons ?? [] }).toEqual({ complete: true, reasons: [] });
    expect(report.files.some((f) => f.path === '/etc/hostname' && f.ops.includes('read'))).toBe(true);
    expect(report.app.exitStatus).toBe(3);
  });

  it('under docker run --init (the sensor is not PID 1): exit status passes through and orphans are still reaped', async () => {
    const name = cleanup.container(uniqueName('pid1'));
    await dockerOk(['run', '-d', '--init', '--name', name, '--network', 'host', '--entrypoint', SENSOR_IN_IMAGE, image, 'run', '--', '/w/pid1-app', 'orphans', '10']);
    await waitLog(name, /^orphans-done 10$/m, 'the app creating 10 orphans');
    let zombies: string[] = [];
    const clean = await pollUntil('no zombies', async () => {
      const out = await dockerOk(['exec', name, 'ps', '-eo', 'pid=,ppid=,stat=,comm=']);
      zombies = out.trim().split('\n').map((l) => l.trim()).filter((l) => /^\d+\s+\d+\s+Z/.test(l));
      return zombies.length === 0 ? true : undefined;
    }, 30_000, 250).catch(() => false);
    expect(clean ? [] : zombies).toEqual([]);
    await dockerOk(['kill', '-s', 'TERM', name]);
    expect(await waitExited(name)).toBe(0);
    expect((await reportOf(name))?.final).toBe(true);
  });

  it('with a read-only root filesystem: the app still starts and its exit status passes through, and the sensor says why there is no report', async () => {
    const r = await runUnderSensor(cleanup, image, ['/w/probe', '--exit', '5'], { runArgs: ['--read-only'] });
    expect(r.exitCode).toBe(5);
    expect(r.stdout + r.stderr).not.toMatch(/Segmentation|core dumped/i);
    expect(r.stderr).toMatch(/creach-sensor/);
    expect(r.stderr).toMatch(/artifacts|creport|Read-only/i);
  });

  it('with a read-only root filesystem and a tmpfs artifacts dir: the report is written there (read with the report subcommand)', async () => {
    const ro = cleanup.container(uniqueName('pid1'));
    await dockerOk(['run', '-d', '--name', ro, '--network', 'host', '--read-only', '--tmpfs', `${ARTIFACTS_DIR}:mode=1777`, '--entrypoint', SENSOR_IN_IMAGE, image, 'run', '--', '/w/pid1-app', 'sleep', '/w/probe']);
    await waitLog(ro, /^sleeping /m, 'the app sleeping');
    const report = await pollUntil('a report with /w/probe from the report subcommand', async () => {
      const r = await docker(['exec', ro, SENSOR_IN_IMAGE, 'report']);
      if (r.code !== 0) return undefined;
      const rep = parseReport(r.stdout, 'read-only + tmpfs');
      return rep.files.some((f) => f.path === '/w/probe') ? rep : undefined;
    }, 30_000, 250);
    expect(report.files.find((f) => f.path === '/w/probe')?.ops).toContain('read');
    await dockerOk(['kill', '-s', 'KILL', ro]);
  });
});

describe('subcommands in an image with no shell', () => {
  let noShell: string;
  beforeAll(async () => {
    const app = path.join(await buildWorkloads(), 'pid1-app');
    noShell = cleanup.image(await noShellImage(app, [SENSOR_IN_IMAGE, 'run', '--stop-signal', 'QUIT', '--'], ['/app', 'trap', '3', '5', '/app']));
  });

  it('has no shell: docker exec of /bin/sh fails', async () => {
    const name = cleanup.container(uniqueName('noshell'));
    await dockerOk(['run', '-d', '--name', name, '--network', 'host', noShell]);
    await waitLog(name, /^ready /m, 'ready');
    const r = await docker(['exec', name, '/bin/sh', '-c', 'true']);
    expect(r.code).not.toBe(0);
    await dockerOk(['kill', '-s', 'KILL', name]);
  });

  it('stop without a configured --stop-signal (SIGTERM to the app) still exits 0 after the final report is written, as the contract says', async () => {
    const app = path.join(await buildWorkloads(), 'pid1-app');
    const img = cleanup.image(await noShellImage(app, [SENSOR_IN_IMAGE, 'run', '--'], ['/app', 'trap', '15', '4', '/app']));
    const name = cleanup.container(uniqueName('noshell'));
    await dockerOk(['run', '-d', '--name', name, '--network', 'host', img]);
    await waitLog(name, /^ready /m, 'ready');
    const stop = await docker(['exec', name, SENSOR_IN_IMAGE, 'stop', '--timeout', '30s'], { timeoutMs: 60_000 });
    expect({ code: stop.code, stderr: stop.stderr.trim() }).toEqual({ code: 0, stderr: '' });
    expect((await logs(name)).stdout).toMatch(/^exiting 4$/m);
    const report = await reportOf(name);
    expect(report?.final).toBe(true);
    expect(report?.app.exitStatus).toBe(4);
  });

  it('status and report via docker exec while running; stop via docker exec signals the app, waits for the final report and exits 0; SIGTERM ends the container with the app\'s status', async () => {
    const name = cleanup.container(uniqueName('noshell'));
    await dockerOk(['run', '-d', '--name', name, '--network', 'host', noShell]);
    await waitLog(name, /^ready /m, 'ready');

    const status = await docker(['exec', name, SENSOR_IN_IMAGE, 'status']);
    expect(status.code, status.stderr).toBe(0);
    const st = JSON.parse(status.stdout) as { state: string; mode?: string };
    expect(st.state).toBe('running');

    const live = await docker(['exec', name, SENSOR_IN_IMAGE, 'report']);
    expect(live.code, live.stderr).toBe(0);
    const liveReport = parseReport(live.stdout, 'report subcommand (running)');
    expect(liveReport.final).toBe(false);
    expect(liveReport.app.argv).toEqual(['/app', 'trap', '3', '5', '/app']);

    const stop = await docker(['exec', name, SENSOR_IN_IMAGE, 'stop', '--timeout', '30s'], { timeoutMs: 60_000 });
    expect(stop.code, stop.stderr).toBe(0);
    // stop returns only after the final report is written
    const after = await docker(['exec', name, SENSOR_IN_IMAGE, 'report']);
    expect(after.code, after.stderr).toBe(0);
    const finalReport = parseReport(after.stdout, 'report subcommand (after stop)');
    expect(finalReport.final).toBe(true);
    expect(finalReport.app.exitStatus).toBe(5);
    expect((await logs(name)).stdout).toMatch(/^got 3$/m);
    expect((await containerState(name)).running).toBe(true);
    const st2 = JSON.parse((await dockerOk(['exec', name, SENSOR_IN_IMAGE, 'status'])).trim()) as { state: string };
    expect(st2.state).not.toBe('running');

    await dockerOk(['kill', '-s', 'TERM', name]);
    expect(await waitExited(name)).toBe(5);
    const copied = await copyOut(name, `${ARTIFACTS_DIR}/creport.json`);
    expect(copied && parseReport(copied, 'docker cp after exit').final).toBe(true);
  });
});
