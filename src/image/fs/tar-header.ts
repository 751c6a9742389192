// Pure parsing of one 512-byte tar header block and of PAX extended-header records, for the
// positional walker (tar-file-walk.ts) that seeks over bodies instead of reading them.
// Covers ustar (with prefix), GNU (base-256 numbers, 'L'/'K' long names) and PAX ('x'/'g').
import type { EntryType } from './fs-index.js';

export const BLOCK = 512;

export interface TarHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** The raw typeflag character ('0', '5', 'L', 'x', ...); '\0' is normalized to '0'. */
  typeflag: string;
  linkname: string;
}

export class TarHeaderError extends Error {}

export function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

function cString(b: Buffer, start: number, len: number): string {
  let end = start;
  const max = start + len;
  while (end < max && b[end] !== 0) end++;
  return b.toString('utf8', start, end);
}

/** Octal (NUL/space terminated) or GNU base-256 (high bit set) numeric field. */
export function parseNumber(b: Buffer, start: number, len: number): number {
  if (b[start]! & 0x80) {
    // base-256: big-endian two's complement; negative values are nonsense for our fields.
    if (b[start]! & 0x40) throw new TarHeaderError('negative base-256 number');
    let v = b[start]! & 0x3f;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + b[i]!;
    return v;
  }
  let i = start;
  const end = start + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) throw new TarHeaderError(`bad octal digit 0x${c.toString(16)}`);
    v = v * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? 0 : v;
}

function checksumOk(b: Buffer): boolean {
  const stored = parseNumber(b, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : b[i]!;
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return stored === unsigned || stored === signed;
}

/** Parse a non-zero header block; throws TarHeaderError if it is not a tar header. */
export function parseHeader(b: Buffer): TarHeader {
  if (!checksumOk(b)) throw new TarHeaderError('header checksum mismatch (not a tar header, or corrupt)');
  const magic = b.toString('latin1', 257, 263);
  let name = cString(b, 0, 100);
  if (magic === 'ustar\0') {
    // POSIX ustar: a 155-byte prefix completes long names. (GNU's "ustar  " uses that area for times.)
    const prefix = cString(b, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  let typeflag = String.fromCharCode(b[156]!);
  if (typeflag === '\0') typeflag = '0';
  return {
    name,
    mode: parseNumber(b, 100, 8) & 0o7777,
    uid: parseNumber(b, 108, 8),
    gid: parseNumber(b, 116, 8),
    size: parseNumber(b, 124, 12),
    typeflag,
    linkname: cString(b, 157, 100),
  };
}

/** PAX records: "<len> <key>=<value>\n" repeated. */
export function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < body.length) {
    const sp = body.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = Number.parseInt(body.toString('latin1', pos, sp), 10);
    if (!Number.isFinite(len) || len <= 0 || pos + len > body.length) {
      throw new TarHeaderError(`bad PAX record length at ${pos}`);
    }
    const rec = body.toString('utf8', sp + 1, pos + len - 1); // drop trailing '\n'
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    pos += len;
  }
  return out;
}

/** Map a tar typeflag to an index entry type; undefined for members that are not files. */
export function entryTypeOf(typeflag: string): EntryType | undefined {
  switch (typeflag) {
    case '0':
    case '7': // contiguous file: a regular file everywhere that matters
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'char';
    case '4':
      return 'block';
    case '5':
      return 'dir';
    case '6':
      return 'fifo';
    default:
      return undefined;
  }
}
