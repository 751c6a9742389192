// `creach container collect` against the real Docker engine. The containers run a real image
// (the base test image plus the files the sensor would leave, committed with the label
// instrument writes) so this test does not depend on the sensor or instrument being done;
// what it checks is collect's part: finding the containers, copying the files out through
// the Engine API (from running and stopped containers), and writing them atomically.
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectDocker } from '../../src/collect/docker.js';
import { main } from '../../src/cli/main.js';
import { CreachError } from '../../src/errors.js';
import { cleanup, docker, ensureTestImage, freePort, httpGetWhenUp, nginxSiteArgs, uniqueName } from '../support/images.js';

const trash = cleanup();
let image: string;
const originalRef = 'creach-test/original-app:1.0';

function report(label: string, final: boolean): string {
  return JSON.stringify({ schema: 'creach.report/v1', final, complete: true, label, files: [{ path: '/usr/bin/bash', ops: ['exec'] }] });
}

async function ok(args: string[]): Promise<string> {
  const r = await docker(args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

async function tempDir(): Promise<string> {
  return trash.path(await mkdtemp(join(tmpdir(), 'creach-test-collect-')));
}

beforeAll(async () => {
  const base = await ensureTestImage('base');
  const builder = trash.container(uniqueName('collect-build'));
  const script = [
    'mkdir -p /opt/_instrumented/artifacts',
    `printf '%s' '${report('from-image', true)}' > /opt/_instrumented/artifacts/creport.json`,
    "printf 'hello from the app\\n' > /opt/_instrumented/artifacts/app-stdout.log",
    'ln -s /etc/passwd /opt/_instrumented/artifacts/evil-link',
  ].join(' && ');
  await ok(['run', '--name', builder, '--network', 'host', base, 'bash', '-c', script]);
  image = trash.image(`${uniqueName('collect-img')}:latest`);
  await ok(['commit', '--change', `LABEL io.creach.original.reference=${originalRef}`, '--change', 'CMD ["sleep","infinity"]', builder, image]);
  await ok(['rm', builder]);
});

afterAll(() => trash.run());

describe('collect from Docker', () => {
  it('copies the report of a running and of a stopped container, each to DIR/docker/<name>/creport.json', async () => {
    const running = trash.container(uniqueName('collect-running'));
    const stopped = trash.container(uniqueName('collect-stopped'));
    await ok(['run', '-d', '--name', running, '--network', 'host', image]);
    // The live container's file changes after start: collect must read the container, not the image.
    await ok(['exec', running, 'bash', '-c', `printf '%s' '${report('live', false)}' > /opt/_instrumented/artifacts/creport.json`]);
    await ok(['create', '--name', stopped, '--network', 'host', image]);

    const out = await tempDir();
    const warnings: string[] = [];
    const result = await collectDocker({ outputDir: out, image, log: { debug() {}, info() {}, warn: (m) => warnings.push(m) } });

    expect(result.reports.map((r) => r.source).sort()).toEqual([running, stopped].sort());
    const live = JSON.parse(await readFile(join(out, 'docker', running, 'creport.json'), 'utf8'));
    expect(live.label).toBe('live');
    const fromImage = JSON.parse(await readFile(join(out, 'docker', stopped, 'creport.json'), 'utf8'));
    expect(fromImage.label).toBe('from-image');
    // The running app's report is a periodic flush: the user is told how to get the final one.
    expect(warnings.join('\n')).toContain(`docker exec ${running} /opt/_instrumented/creach-sensor stop`);
    // Only the report, unless --dynamic-profiling-data; no temp files left behind.
    expect(await readdir(join(out, 'docker', stopped))).toEqual(['creport.json']);
  });

  it('finds instrumented containers by label without --image, and by the original reference', async () => {
    const c = trash.container(uniqueName('collect-label'));
    await ok(['create', '--name', c, '--network', 'host', image]);
    const out = await tempDir();
    const byLabel = await collectDocker({ outputDir: out });
    expect(byLabel.reports.map((r) => r.source)).toContain(c);
    const byOriginal = await collectDocker({ outputDir: await tempDir(), image: originalRef, container: c });
    expect(byOriginal.reports.map((r) => r.source)).toEqual([c]);
  });

  it('with dynamicProfilingData copies the other regular files of the artifacts folder, never symlinks', async () => {
    const c = trash.container(uniqueName('collect-dyn'));
    await ok(['create', '--name', c, '--network', 'host', image]);
    const out = await tempDir();
    const result = await collectDocker({ outputDir: out, container: c, dynamicProfilingData: true });
    expect(result.reports[0]?.extraFiles.map((f) => f.split('/').pop())).toEqual(['app-stdout.log']);
    expect(await readFile(join(out, 'docker', c, 'app-stdout.log'), 'utf8')).toBe('hello from the app\n');
    expect((await readdir(join(out, 'docker', c))).sort()).toEqual(['app-stdout.log', 'creport.json']);
  });

  it('fails with REPORT_NOT_FOUND naming the container when it has no report, and writes nothing', async () => {
    const c = trash.container(uniqueName('collect-noreport'));
    await ok(['create', '--name', c, '--network', 'host', await ensureTestImage('base')]);
    const out = await tempDir();
    const err = await collectDocker({ outputDir: out, container: c }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CreachError);
    expect((err as CreachError).code).toBe('REPORT_NOT_FOUND');
    expect((err as CreachError).message).toContain(c);
    expect(await readdir(out)).toEqual([]);
  });

  it('fails with REPORT_MALFORMED when the report is not JSON, and writes nothing', async () => {
    const c = trash.container(uniqueName('collect-bad'));
    await ok(['run', '-d', '--name', c, '--network', 'host', image]);
    await ok(['exec', c, 'bash', '-c', 'printf "{truncated" > /opt/_instrumented/artifacts/creport.json']);
    const out = await tempDir();
    const err = await collectDocker({ outputDir: out, container: c }).catch((e: unknown) => e);
    expect((err as CreachError).code).toBe('REPORT_MALFORMED');
    expect(await readdir(out)).toEqual([]);

    // Among several containers one bad report is a gap; the others are still collected.
    const good = trash.container(uniqueName('collect-good'));
    await ok(['create', '--name', good, '--network', 'host', image]);
    const out2 = await tempDir();
    const result = await collectDocker({ outputDir: out2, image });
    expect(result.reports.map((r) => r.source)).toContain(good);
    expect(result.gaps).toContainEqual(expect.objectContaining({ source: c, code: 'REPORT_MALFORMED' }));
    expect(await readdir(join(out2, 'docker'))).not.toContain(c);
  });

  it('fails with COLLECT_FAILED when no container matches', async () => {
    const err = await collectDocker({ outputDir: await tempDir(), image: 'creach-test/no-such-image:nothing' }).catch((e: unknown) => e);
    expect((err as CreachError).code).toBe('COLLECT_FAILED');
    expect((err as CreachError).message).toContain('creach-test/no-such-image:nothing');
  });

  it('fails with DAEMON_UNREACHABLE when no engine answers at DOCKER_HOST', async () => {
    const sock = join(await tempDir(), 'no-engine.sock');
    const err = await collectDocker({ outputDir: await tempDir(), dockerHost: `unix://${sock}` }).catch((e: unknown) => e);
    expect((err as CreachError).code).toBe('DAEMON_UNREACHABLE');
    expect((err as CreachError).message).toContain(sock);
  });
});

describe('collect after the real instrument and the real sensor', () => {
  it('finds the container by the original reference and copies the final report the sensor wrote on stop', async () => {
    // A private name for the source image, so the -instrumented tag is ours alone.
    const source = trash.image(`${uniqueName('collect-src')}:v1`);
    await ok(['tag', await ensureTestImage('nginx'), source]);
    const code = await main(['node', 'creach', '-q', 'container', 'instrument', '--image', source, '--app-stop-signal', 'QUIT', '--load-instrumented-image']);
    expect(code).toBe(0);
    const instrumented = trash.image(`${source}-instrumented`);

    const port = await freePort();
    const c = trash.container(uniqueName('collect-real'));
    await ok(['run', '-d', '--name', c, '--network', 'host', ...(await nginxSiteArgs(port)), instrumented]);
    expect(await httpGetWhenUp(port)).toContain('creach test page');
    await ok(['exec', c, '/opt/_instrumented/creach-sensor', 'stop']);

    const out = await tempDir();
    const result = await collectDocker({ outputDir: out, image: source });
    expect(result.reports.map((r) => r.source)).toEqual([c]);
    expect(result.reports[0]?.final).toBe(true);
    const doc = JSON.parse(await readFile(join(out, 'docker', c, 'creport.json'), 'utf8')) as {
      schema: string;
      image: { reference: string };
      files: { path: string; ops: string[] }[];
    };
    expect(doc.schema).toBe('creach.report/v1');
    expect(doc.image.reference).toBe(source);
    expect(doc.files.find((f) => f.path === '/usr/sbin/nginx')?.ops).toContain('exec');
    expect(doc.files.map((f) => f.path)).toContain('/var/www/html/index.html');
  });
});

describe('creach container collect (CLI)', () => {
  async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((c: string | Uint8Array) => (chunks.push(String(c)), true)) as typeof process.stdout.write;
    try {
      const code = await main(['node', 'creach', 'container', 'collect', ...args]);
      return { code, stdout: chunks.join('') };
    } finally {
      process.stdout.write = write;
    }
  }

  it('takes its flags from CREACH_CONTAINER_COLLECT_* and prints the report paths', async () => {
    const c = trash.container(uniqueName('collect-cli'));
    await ok(['create', '--name', c, '--network', 'host', image]);
    const out = await tempDir();
    process.env.CREACH_CONTAINER_COLLECT_OUTPUT_DIR = out;
    process.env.CREACH_CONTAINER_COLLECT_CONTAINER = c;
    try {
      const r = await cli([]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(join(out, 'docker', c, 'creport.json'));
      expect((await stat(join(out, 'docker', c, 'creport.json'))).size).toBeGreaterThan(0);
    } finally {
      delete process.env.CREACH_CONTAINER_COLLECT_OUTPUT_DIR;
      delete process.env.CREACH_CONTAINER_COLLECT_CONTAINER;
    }
  });

  it('exits 2 on conflicting flags and 1 when the engine is unreachable', async () => {
    const out = await tempDir();
    expect((await cli(['--output-dir', out, '--pod', 'a', '--selector', 'b=c'])).code).toBe(2);
    expect((await cli(['--output-dir', out, '--runtime-type', 'docker', '--namespace', 'x'])).code).toBe(2);
    expect((await cli(['--output-dir', out, '--runtime-type', 'podman'])).code).toBe(2);
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${join(out, 'none.sock')}`;
    try {
      expect((await cli(['--output-dir', out])).code).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});
