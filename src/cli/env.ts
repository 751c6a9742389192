import { Option } from 'commander';

/**
 * The environment variable that mirrors a flag: the command path and the flag name, upper
 * snake case, prefixed CREACH_. ['container','instrument'] + '--app-stop-signal' →
 * CREACH_CONTAINER_INSTRUMENT_APP_STOP_SIGNAL (endorctl's ENDOR_… names with our prefix).
 */
export function envName(commandPath: string[], flag: string): string {
  const parts = [...commandPath, flag.replace(/^-+/, '')];
  return ['CREACH', ...parts].join('_').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
}

/** A commander Option whose value may also come from its derived CREACH_ variable. */
export function envOption(commandPath: string[], flags: string, description: string): Option {
  const long = flags.split(/[ ,|]+/).find((f) => f.startsWith('--'));
  if (!long) throw new Error(`envOption needs a long flag: ${flags}`);
  const opt = new Option(flags, description);
  return opt.env(envName(commandPath, long.replace(/^--(no-)?/, '--')));
}

/** Parse a boolean-ish environment value the way users write them. */
export function parseBool(v: string | boolean | undefined): boolean {
  if (typeof v === 'boolean') return v;
  if (v === undefined) return false;
  return /^(1|true|yes|on)$/i.test(v.trim());
}
