// The config rewrite: the sensor becomes the Entrypoint and runs the original Entrypoint after
// `--`; Cmd stays the original Cmd, so `docker run IMAGE args` and a Kubernetes `args:` still
// replace only the arguments. Labels record which image this was, for scan.
import { CreachError } from '../errors.js';
import type { ConfigFile } from '../image/image.js';
import { CREACH_VERSION } from '../version.js';

export const SENSOR_DIR = '/opt/_instrumented';
export const SENSOR_PATH = `${SENSOR_DIR}/creach-sensor`;
export const ARTIFACTS_DIR = `${SENSOR_DIR}/artifacts`;

export const LABEL_REFERENCE = 'io.creach.original.reference';
export const LABEL_CONFIG_DIGEST = 'io.creach.original.config-digest';
export const LABEL_MANIFEST_DIGEST = 'io.creach.original.manifest-digest';
export const LABEL_VERSION = 'io.creach.version';

export interface SensorSettings {
  stopSignal?: string;
  stopGracePeriod?: string;
  stdoutToFile?: boolean;
  stderrToFile?: boolean;
  debug?: boolean;
}

export interface ConfigChange {
  reference: string;
  configDigest: string;
  manifestDigest?: string;
  settings: SensorSettings;
  /** Replaces the original Entrypoint (and, as `docker run --entrypoint` does, clears Cmd unless `cmd` is given). */
  entrypoint?: string[];
  cmd?: string[];
  /** diffID of the sensor layer. */
  diffId: string;
  created: string;
}

/** Validate a signal the way the sensor accepts it: a name with or without SIG, or a number. */
export function checkSignal(sig: string): string {
  if (/^\d{1,2}$/.test(sig) || /^(SIG)?[A-Z][A-Z0-9+-]*$/i.test(sig)) return sig.toUpperCase();
  throw new CreachError('CONFIG_INVALID', `not a signal: ${sig}`, { hint: 'use a name such as QUIT or SIGQUIT, or a number' });
}

/** Validate a duration: 10s, 500ms, 2m, or plain seconds. */
export function checkDuration(d: string): string {
  if (/^\d+(\.\d+)?(ms|s|m|h)?$/.test(d)) return d;
  throw new CreachError('CONFIG_INVALID', `not a duration: ${d}`, { hint: 'use forms like 10s, 500ms, 2m or plain seconds' });
}

/** `--entrypoint`/`--cmd` values: a JSON array, or words split the way a shell would (no shell is needed in the image). */
export function parseCommand(value: string, flag: string): string[] {
  const v = value.trim();
  if (v.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch (e) {
      throw new CreachError('CONFIG_INVALID', `${flag} is not a valid JSON array: ${value}`, { cause: e, hint: 'write it as ["prog","arg"] or as a plain command line' });
    }
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) {
      throw new CreachError('CONFIG_INVALID', `${flag} must be an array of strings: ${value}`, { hint: 'write it as ["prog","arg"]' });
    }
    return parsed;
  }
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < v.length && '"\\$`'.includes(v[i + 1])) cur += v[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < v.length) {
      cur += v[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new CreachError('CONFIG_INVALID', `${flag} has an unclosed quote: ${value}`, { hint: 'close the quote or use a JSON array' });
  if (inWord) words.push(cur);
  return words;
}

export function sensorArgs(change: Pick<ConfigChange, 'reference' | 'configDigest' | 'settings'>): string[] {
  const s = change.settings;
  const args = [SENSOR_PATH, 'run', '--image-ref', change.reference, '--image-digest', change.configDigest];
  if (s.stopSignal) args.push('--stop-signal', checkSignal(s.stopSignal));
  if (s.stopGracePeriod) args.push('--stop-grace-period', checkDuration(s.stopGracePeriod));
  if (s.stdoutToFile) args.push('--stdout-to-file');
  if (s.stderrToFile) args.push('--stderr-to-file');
  if (s.debug) args.push('--debug');
  args.push('--');
  return args;
}

/** The entrypoint an image had before an earlier instrumentation (so re-instrumenting does not stack sensors). */
function originalEntrypoint(entrypoint: string[] | null | undefined): string[] {
  const ep = entrypoint ?? [];
  if (ep[0] === SENSOR_PATH && ep[1] === 'run') {
    const sep = ep.indexOf('--');
    if (sep >= 0) return ep.slice(sep + 1);
  }
  return ep;
}

/** A new config (the input is not touched). */
export function rewriteConfig(base: ConfigFile, change: ConfigChange): ConfigFile {
  const cfg = structuredClone(base);
  cfg.config = cfg.config ?? {};
  const entrypoint = change.entrypoint ?? originalEntrypoint(cfg.config.Entrypoint);
  const cmd = change.cmd ?? (change.entrypoint ? [] : (cfg.config.Cmd ?? []));
  if (entrypoint.length === 0 && cmd.length === 0) {
    throw new CreachError('CONFIG_INVALID', `${change.reference} has neither Entrypoint nor Cmd, so the sensor would have nothing to run`, {
      hint: 'give the command with --entrypoint or --cmd',
    });
  }
  cfg.config.Entrypoint = [...sensorArgs(change), ...entrypoint];
  cfg.config.Cmd = cmd.length ? cmd : null;
  const labels: Record<string, string> = { ...(cfg.config.Labels ?? {}) };
  labels[LABEL_REFERENCE] = change.reference;
  labels[LABEL_CONFIG_DIGEST] = change.configDigest;
  if (change.manifestDigest) labels[LABEL_MANIFEST_DIGEST] = change.manifestDigest;
  else delete labels[LABEL_MANIFEST_DIGEST];
  labels[LABEL_VERSION] = CREACH_VERSION;
  cfg.config.Labels = labels;
  cfg.rootfs = { type: 'layers', diff_ids: [...(cfg.rootfs?.diff_ids ?? []), change.diffId] };
  cfg.history = [
    ...(cfg.history ?? []),
    { created: change.created, created_by: `creach container instrument (creach ${CREACH_VERSION})`, comment: `add ${SENSOR_DIR}` },
  ];
  cfg.created = change.created;
  return cfg;
}
