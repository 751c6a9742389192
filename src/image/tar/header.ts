// Reading and writing single tar headers (ustar, with the GNU and pax extensions that image
// tools emit: long names via 'L'/'K' records or pax 'x' records, base-256 sizes). Kept small
// and allocation-light because every layer of every image passes through here.

export const BLOCK = 512;

export type EntryType = 'file' | 'dir' | 'symlink' | 'link' | 'other';

export interface HeaderFields {
  name: string;
  mode: number;
  size: number;
  /** The raw typeflag character ('0', '5', '2', 'x', 'L', …). */
  flag: string;
  linkname: string;
}

function cstr(buf: Buffer, start: number, len: number): string {
  let end = start;
  const stop = start + len;
  while (end < stop && buf[end] !== 0) end++;
  return buf.toString('utf8', start, end);
}

function octal(buf: Buffer, start: number, len: number): number {
  // GNU base-256: high bit of the first byte set; the rest is a big-endian number.
  if (buf[start] & 0x80) {
    let v = buf[start] & 0x7f;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + buf[i];
    return v;
  }
  const s = cstr(buf, start, len).trim();
  return s ? parseInt(s, 8) : 0;
}

export function isZeroBlock(buf: Buffer, off = 0): boolean {
  for (let i = off; i < off + BLOCK; i++) if (buf[i] !== 0) return false;
  return true;
}

function checksumOk(buf: Buffer, off: number): boolean {
  const want = octal(buf, off + 148, 8);
  let sum = 0;
  for (let i = off; i < off + BLOCK; i++) sum += i >= off + 148 && i < off + 156 ? 32 : buf[i];
  return sum === want;
}

/** Parse one 512-byte header at `off`; undefined when it is not a valid tar header. */
export function decodeHeader(buf: Buffer, off = 0): HeaderFields | undefined {
  if (!checksumOk(buf, off)) return undefined;
  let name = cstr(buf, off, 100);
  const magic = buf.toString('latin1', off + 257, off + 263);
  if (magic === 'ustar\u0000') {
    const prefix = cstr(buf, off + 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  return {
    name,
    mode: octal(buf, off + 100, 8),
    size: octal(buf, off + 124, 12),
    flag: String.fromCharCode(buf[off + 156] || 0x30),
    linkname: cstr(buf, off + 157, 100),
  };
}

export function entryType(flag: string): EntryType {
  switch (flag) {
    case '0':
    case '7':
    case '\u0000':
      return 'file';
    case '5':
      return 'dir';
    case '2':
      return 'symlink';
    case '1':
      return 'link';
    default:
      return 'other';
  }
}

/** Extension records that modify the next header rather than being entries themselves. */
export function isExtension(flag: string): boolean {
  return flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K';
}

/** Parse a pax extended header body into key/value pairs. */
export function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const sp = body.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(body.toString('latin1', i, sp), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const rec = body.toString('utf8', sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

export function padding(size: number): number {
  const r = size % BLOCK;
  return r === 0 ? 0 : BLOCK - r;
}

export interface EncodeFields {
  name: string;
  size?: number;
  mode?: number;
  type?: EntryType;
  linkname?: string;
  mtime?: number;
  uid?: number;
  gid?: number;
}

function writeOctal(buf: Buffer, value: number, start: number, len: number): void {
  buf.write(value.toString(8).padStart(len - 1, '0') + '\u0000', start, len, 'latin1');
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

function ustarHeader(f: EncodeFields, flag: string, name: string, size: number): Buffer {
  const buf = Buffer.alloc(BLOCK);
  buf.write(name, 0, 100, 'utf8');
  writeOctal(buf, f.mode ?? (f.type === 'dir' ? 0o755 : 0o644), 100, 8);
  writeOctal(buf, f.uid ?? 0, 108, 8);
  writeOctal(buf, f.gid ?? 0, 116, 8);
  writeOctal(buf, size, 124, 12);
  writeOctal(buf, f.mtime ?? 0, 136, 12);
  buf[156] = flag.charCodeAt(0);
  if (f.linkname) buf.write(f.linkname, 157, 100, 'utf8');
  buf.write('ustar\u000000', 257, 8, 'latin1');
  buf.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += buf[i];
  buf.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 8, 'latin1');
  return buf;
}

/** Encode a header (plus a pax record first when a name or link does not fit ustar). */
export function encodeHeader(f: EncodeFields): Buffer {
  const flag = { file: '0', dir: '5', symlink: '2', link: '1', other: '0' }[f.type ?? 'file'];
  const size = f.type === 'dir' || f.type === 'symlink' || f.type === 'link' ? 0 : (f.size ?? 0);
  const long = Buffer.byteLength(f.name) > 100 || Buffer.byteLength(f.linkname ?? '') > 100 || size >= 8 ** 11;
  if (!long) return ustarHeader(f, flag, f.name, size);
  let pax = paxRecord('path', f.name);
  if (f.linkname && Buffer.byteLength(f.linkname) > 100) pax += paxRecord('linkpath', f.linkname);
  if (size >= 8 ** 11) pax += paxRecord('size', String(size));
  const paxBody = Buffer.from(pax);
  const paxHead = ustarHeader({ name: 'PaxHeader', mode: 0o644 }, 'x', 'PaxHeader', paxBody.length);
  return Buffer.concat([
    paxHead,
    paxBody,
    Buffer.alloc(padding(paxBody.length)),
    ustarHeader({ ...f, linkname: (f.linkname ?? '').slice(0, 100) }, flag, f.name.slice(0, 100), size >= 8 ** 11 ? 0 : size),
  ]);
}

/** Normalise an entry name to a relative path without "./" or a trailing slash. */
export function cleanName(name: string): string {
  let n = name;
  while (n.startsWith('./')) n = n.slice(2);
  while (n.startsWith('/')) n = n.slice(1);
  if (n.endsWith('/')) n = n.slice(0, -1);
  return n === '.' ? '' : n;
}
