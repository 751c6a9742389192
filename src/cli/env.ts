import { Option, type Command } from 'commander';

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

/** The option of `cmd` whose attribute name is `key`. */
function optionOf(cmd: Command, key: string): Option | undefined {
  return cmd.options.find((o) => o.attributeName() === key);
}

/**
 * A switch's value. On the command line its presence means true; from its CREACH_ variable the
 * variable's value decides (1/true/yes/on), since commander alone takes any set variable as true.
 */
export function switchValue(cmd: Command, key: string): boolean {
  if (cmd.getOptionValueSource(key) === 'env') {
    const envVar = optionOf(cmd, key)?.envVar;
    return parseBool(envVar ? process.env[envVar] : undefined);
  }
  return cmd.getOptionValue(key) === true;
}

/** argParser for a repeatable flag: each occurrence appends one value. */
export function appendValue(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

/**
 * A repeatable flag's values. A variable can only hold one string, so there it is a
 * comma-separated list; on the command line each occurrence is one value (paths may hold commas).
 */
export function listValue(cmd: Command, key: string): string[] {
  const v = (cmd.getOptionValue(key) as string[] | undefined) ?? [];
  if (cmd.getOptionValueSource(key) !== 'env') return v;
  return v.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}
