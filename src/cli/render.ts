// Everything the CLI shows on stderr: log lines and progress. Bars only on a TTY, plain lines
// (at most one per phase per second, plus the last) otherwise, so CI logs stay readable.
import type { Logger, LogLevel, Progress, ProgressEvent } from '../log.js';

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function parseLogLevel(v: string | undefined, fallback: LogLevel): LogLevel {
  if (v && v in order) return v as LogLevel;
  return fallback;
}

export function stderrLogger(level: LogLevel, out: NodeJS.WriteStream = process.stderr): Logger {
  const emit = (l: LogLevel, msg: string) => {
    if (order[l] >= order[level]) out.write(`creach: ${l === 'info' ? '' : `${l}: `}${msg}\n`);
  };
  return { debug: (m) => emit('debug', m), info: (m) => emit('info', m), warn: (m) => emit('warn', m) };
}

function human(n: number, unit: ProgressEvent['unit']): string {
  if (unit !== 'bytes') return String(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function stderrProgress(enabled: boolean, out: NodeJS.WriteStream = process.stderr): Progress & { end(): void } {
  const tty = Boolean(out.isTTY);
  const lastPrinted = new Map<string, number>();
  let barShown = false;
  const fn = ((e: ProgressEvent) => {
    if (!enabled) return;
    const finished = e.total !== undefined && e.total > 0 && e.done >= e.total;
    const amount = e.total ? `${human(e.done, e.unit)} / ${human(e.total, e.unit)}` : human(e.done, e.unit);
    if (tty) {
      const width = 30;
      const frac = e.total ? Math.min(1, e.done / e.total) : 0;
      const bar = e.total ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ` : '';
      out.write(`\r\x1b[K${e.phase} ${bar}${amount}`);
      barShown = true;
      if (finished) {
        out.write('\n');
        barShown = false;
      }
      return;
    }
    const now = Date.now();
    const prev = lastPrinted.get(e.phase) ?? 0;
    if (finished || now - prev >= 1000) {
      lastPrinted.set(e.phase, now);
      out.write(`creach: ${e.phase}: ${amount}${finished ? ' (done)' : ''}\n`);
    }
  }) as Progress & { end(): void };
  fn.end = () => {
    if (barShown) out.write('\n');
    barShown = false;
  };
  return fn;
}
