// Library code never prints. It takes a Logger and a Progress sink from its options; both are
// silent unless the CLI wires them to stderr (src/cli/render.ts).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {} };

/** One progress update, as go-containerregistry's v1.Update: `done` of `total` units of `phase`. */
export interface ProgressEvent {
  phase: string;
  done: number;
  /** 0 or undefined when the total is not known. */
  total?: number;
  unit?: 'bytes' | 'items';
}

export type Progress = (e: ProgressEvent) => void;

export const silentProgress: Progress = () => {};

/** Shared by every long operation: how to log, report progress, and be cancelled. */
export interface OpContext {
  log?: Logger;
  progress?: Progress;
  signal?: AbortSignal;
}
