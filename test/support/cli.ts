// Run `creach …` as a user runs it: a separate process (the TypeScript sources through tsx, so
// no build is needed), with its exit code, stdout and stderr.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, type RunResult } from './images.js';

export function creach(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const entry = `const { main } = await import(${JSON.stringify(join(REPO_ROOT, 'src/cli/main.ts'))}); process.exitCode = await main(['node', 'creach', ...process.argv.slice(1)]);`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, CREACH_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}
