import type { Logger, Progress } from '../log.js';

/** What main.ts hands every command: how to log, show progress, and notice Ctrl-C. */
export interface CliContext {
  log: Logger;
  progress: Progress;
  signal: AbortSignal;
  /** Where the requested output goes (stdout unless a command writes a file). */
  stdout: NodeJS.WritableStream;
  /** Set by a command to ask main for a particular exit code (e.g. 3 for --fail-on). */
  exitCode?: number;
}
