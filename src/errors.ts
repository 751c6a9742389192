// One error type for everything creach reports to a user. `code` says what went wrong in a
// form tests and callers can switch on; `message` names the input (path, reference, digest,
// byte offset); `hint` says what to do about it. The CLI (src/cli/main.ts) is the only place
// that prints these.

export type ImageErrorCode =
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_REF_INVALID'
  | 'IMAGE_FORMAT'
  | 'TAR_TRUNCATED'
  | 'TAR_NOT_IMAGE'
  | 'LAYER_FORMAT'
  | 'DIGEST_MISMATCH'
  | 'PLATFORM_UNKNOWN'
  | 'PLATFORM_NOT_IN_IMAGE'
  | 'DAEMON_UNREACHABLE'
  | 'DAEMON_ERROR'
  | 'REGISTRY_AUTH'
  | 'REGISTRY_ERROR'
  | 'REGISTRY_UNREACHABLE';

export type InstrumentErrorCode = 'SENSOR_NOT_FOUND' | 'SENSOR_INVALID' | 'CONFIG_INVALID';

export type ReportErrorCode =
  | 'REPORT_MALFORMED'
  | 'REPORT_NOT_FOUND'
  | 'REPORT_IMAGE_MISMATCH'
  | 'REPORT_UNSUPPORTED';

export type CatalogErrorCode = 'DB_MALFORMED' | 'DB_UNSUPPORTED';

export type CollectErrorCode = 'COLLECT_FAILED' | 'KUBECTL_FAILED';

export type GeneralErrorCode = 'USAGE' | 'IO' | 'OUTPUT_WRITE' | 'ABORTED' | 'FAIL_ON_MATCHED';

export type ErrorCode =
  | ImageErrorCode
  | InstrumentErrorCode
  | ReportErrorCode
  | CatalogErrorCode
  | CollectErrorCode
  | GeneralErrorCode;

export interface CreachErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class CreachError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: CreachErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CreachError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** A usage error: bad or conflicting flags. The CLI exits 2 for these. */
export class UsageError extends CreachError {
  constructor(message: string, options: CreachErrorOptions = {}) {
    super('USAGE', message, options);
    this.name = 'UsageError';
  }
}

/** The errno-style code of a Node system error, if any (ENOENT, EACCES, ECONNREFUSED…). */
export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}
