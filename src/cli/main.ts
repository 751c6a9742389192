// The only place that catches errors, sets the exit code, wires logging and progress, and
// turns SIGINT into an AbortSignal passed down to the library.
import { Command, CommanderError } from 'commander';
import { CreachError, UsageError } from '../errors.js';
import { CREACH_VERSION } from '../version.js';
import type { CliContext } from './context.js';
import { parseLogLevel, stderrLogger, stderrProgress } from './render.js';
import { register as registerInstrument } from './container/instrument.js';
import { register as registerCollect } from './container/collect.js';
import { register as registerScan } from './container/scan.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_FAIL_ON = 3;

export async function main(argv: string[]): Promise<number> {
  const abort = new AbortController();
  const onSigint = () => abort.abort(new CreachError('ABORTED', 'interrupted'));
  process.once('SIGINT', onSigint);

  const verbose = argv.includes('-v') || argv.includes('--verbose');
  const quiet = argv.includes('-q') || argv.includes('--quiet');
  const level = verbose ? 'debug' : quiet ? 'error' : parseLogLevel(process.env.CREACH_LOG_LEVEL, 'info');
  const progress = stderrProgress(level !== 'error');
  const ctx: CliContext = {
    log: stderrLogger(level),
    progress,
    signal: abort.signal,
    stdout: process.stdout,
  };

  const program = new Command('creach')
    .description('Which OS packages of a container image does the application really use at run time?')
    .version(CREACH_VERSION)
    .option('-v, --verbose', 'log debug detail to stderr (also CREACH_LOG_LEVEL=debug)')
    .option('-q, --quiet', 'only errors on stderr')
    .showHelpAfterError()
    .exitOverride();
  const container = program.command('container').description('instrument, collect from and scan container images');
  container.exitOverride();
  registerInstrument(container, ctx);
  registerCollect(container, ctx);
  registerScan(container, ctx);

  try {
    await program.parseAsync(argv);
    progress.end();
    return ctx.exitCode ?? EXIT_OK;
  } catch (e) {
    progress.end();
    return reportError(e, level === 'debug');
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

function reportError(e: unknown, debug: boolean): number {
  if (e instanceof CommanderError) {
    // help and version "errors" are normal exits; commander already printed the message.
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT_OK;
    return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (e instanceof CreachError) {
    process.stderr.write(`creach: error: ${e.message}\n`);
    if (e.hint) process.stderr.write(`  hint: ${e.hint}\n`);
    if (debug) {
      if (e.stack) process.stderr.write(`${e.stack}\n`);
      let c: unknown = e.cause;
      while (c) {
        process.stderr.write(`caused by: ${c instanceof Error ? (c.stack ?? c.message) : String(c)}\n`);
        c = c instanceof Error ? c.cause : undefined;
      }
    }
    if (e instanceof UsageError) return EXIT_USAGE;
    if (e.code === 'FAIL_ON_MATCHED') return EXIT_FAIL_ON;
    return EXIT_FAILURE;
  }
  process.stderr.write('creach: internal error, please report it with the output below\n');
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return EXIT_FAILURE;
}
