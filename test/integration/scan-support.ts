// Helpers for the scan integration tests: run the real CLI (TypeScript sources through tsx, so
// no build is needed), and profile a test image with the real sensor under Docker.
import { chmod, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, docker, type RunResult } from '../support/images.js';

export const SENSOR_BINARY = join(REPO_ROOT, 'sensor/dist/creach-sensor-x86_64');
export const SENSOR_IN_IMAGE = '/opt/_instrumented/creach-sensor';
export const REPORT_IN_IMAGE = '/opt/_instrumented/artifacts/creport.json';

export { creach } from '../support/cli.js';

export async function dockerOk(args: string[]): Promise<string> {
  const r = await docker(args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout.trim();
}

export async function configDigest(image: string): Promise<string> {
  return dockerOk(['image', 'inspect', '--format', '{{.Id}}', image]);
}

/** A fresh folder laid out like `collect --output-dir` writes it: DIR/docker/<container>/. */
export async function profileDir(container: string): Promise<{ root: string; reportDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'creach-test-profiles-'));
  const reportDir = join(root, 'docker', container);
  await mkdir(reportDir, { recursive: true });
  await chmod(root, 0o755);
  return { root, reportDir };
}
