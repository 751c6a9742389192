// Registry failures as typed errors (after go-containerregistry's transport.Error): the code
// says what kind of failure, and the error keeps the HTTP status and the registry's own
// `errors[]` diagnostics so a user (and a test) can see what the registry said.
import { CreachError, type ImageErrorCode } from '../../errors.js';
import { redactText } from './redact.js';

export interface RegistryDiagnostic {
  code: string;
  message?: string;
  detail?: unknown;
}

export class RegistryError extends CreachError {
  readonly status: number | undefined;
  readonly diagnostics: RegistryDiagnostic[];

  constructor(
    code: Extract<ImageErrorCode, 'REGISTRY_AUTH' | 'REGISTRY_ERROR' | 'REGISTRY_UNREACHABLE' | 'IMAGE_NOT_FOUND' | 'DIGEST_MISMATCH'>,
    message: string,
    opts: { status?: number; diagnostics?: RegistryDiagnostic[]; hint?: string; cause?: unknown } = {},
  ) {
    super(code, redactText(message), { hint: opts.hint, cause: opts.cause });
    this.name = 'RegistryError';
    this.status = opts.status;
    this.diagnostics = opts.diagnostics ?? [];
  }
}

/** The `errors[]` of a registry error body, or [] when the body is not that JSON. */
export function parseDiagnostics(body: string): RegistryDiagnostic[] {
  try {
    const j = JSON.parse(body) as { errors?: unknown };
    if (!Array.isArray(j.errors)) return [];
    return j.errors
      .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
      .map((e) => ({
        code: String(e.code ?? 'UNKNOWN'),
        message: typeof e.message === 'string' ? redactText(e.message) : undefined,
        detail: e.detail,
      }));
  } catch {
    return [];
  }
}

/** `CODE: message; CODE2: message2` for one-line errors. */
export function describeDiagnostics(d: RegistryDiagnostic[]): string {
  return d.map((x) => (x.message ? `${x.code}: ${x.message}` : x.code)).join('; ');
}
