// Reading and writing single tar headers (ustar, with the GNU and pax extensions that image
// tools emit: long names via 'L'/'K' records or pax 'x' records, base-256 sizes). Kept small
// and allocation-light because every layer of every image passes through here.

export const BLOCK = 512;

export type EntryType = 'file' | 'dir' | 'symlink' | 'link' | 'other';

/** What a member is, in the vocabulary of the filesystem index (its EntryType). */
export type MemberKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface HeaderFields {
  name: string;
  /** As stored (file type bits some writers add included). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** The raw typeflag character ('0', '5', '2', 'x', 'L', …); '\0' is normalised to '0'. */
  flag: string;
  linkname: string;
}

export class TarHeaderError extends Error {}

function cstr(buf: Buffer, start: number, len: number): string {
  let end = start;
  const stop = start + len;
  while (end < stop && buf[end] !== 0) end++;
  return buf.toString('utf8', start, end);
}

/** Octal (NUL/space terminated) or GNU base-256 (high bit set) numeric field. */
export function parseNumber(buf: Buffer, start: number, len: number): number {
  if (buf[start]! & 0x80) {
    // base-256: big-endian two's complement; negative values are nonsense for our fields.
    if (buf[start]! & 0x40) throw new TarHeaderError('negative base-256 number');
    let v = buf[start]! & 0x3f;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + buf[i]!;
    return v;
  }
  let i = start;
  const end = start + len;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0)) i++;
  let v = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) throw new TarHeaderError(`bad octal digit 0x${c.toString(16)}`);
    v = v * 8 + (c - 0x30);
  }
  return v;
}

export function isZeroBlock(buf: Buffer, off = 0): boolean {
  for (let i = off; i < off + BLOCK; i++) if (buf[i] !== 0) return false;
  return true;
}

function checksumOk(buf: Buffer, off: number): boolean {
  const stored = parseNumber(buf, off + 148, 8);
  // Some old writers summed signed bytes: accept either sum.
  let unsigned = 0;
  let signed = 0;
  for (let i = off; i < off + BLOCK; i++) {
    const c = i >= off + 148 && i < off + 156 ? 0x20 : buf[i]!;
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return stored === unsigned || stored === signed;
}

/** Parse the 512-byte header at `off`; throws TarHeaderError when it is not a valid tar header. */
export function parseHeader(buf: Buffer, off = 0): HeaderFields {
  if (!checksumOk(buf, off)) throw new TarHeaderError('header checksum mismatch (not a tar header, or corrupt)');
  let name = cstr(buf, off, 100);
  if (buf.toString('latin1', off + 257, off + 263) === 'ustar\u0000') {
    // POSIX ustar: a 155-byte prefix completes long names. (GNU's "ustar  " uses that area for times.)
    const prefix = cstr(buf, off + 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  return {
    name,
    mode: parseNumber(buf, off + 100, 8),
    uid: parseNumber(buf, off + 108, 8),
    gid: parseNumber(buf, off + 116, 8),
    size: parseNumber(buf, off + 124, 12),
    flag: String.fromCharCode(buf[off + 156] || 0x30),
    linkname: cstr(buf, off + 157, 100),
  };
}

/** Like parseHeader, but undefined when the block is not a valid tar header. */
export function decodeHeader(buf: Buffer, off = 0): HeaderFields | undefined {
  try {
    return parseHeader(buf, off);
  } catch (e) {
    if (e instanceof TarHeaderError) return undefined;
    throw e;
  }
}

/** Map a typeflag to a filesystem member kind; undefined for members that are not files. */
export function memberKind(flag: string): MemberKind | undefined {
  switch (flag) {
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

export function entryType(flag: string): EntryType {
  const k = memberKind(flag);
  return k === 'file' || k === 'dir' || k === 'symlink' ? k : k === 'hardlink' ? 'link' : 'other';
}

/** Extension records that modify the next header rather than being entries themselves. */
export function isExtension(flag: string): boolean {
  return flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K';
}

/** Parse a pax extended header body ("<len> <key>=<value>\n" repeated); throws TarHeaderError when malformed. */
export function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const sp = body.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(body.toString('latin1', i, sp), 10);
    if (!Number.isFinite(len) || len <= 0 || i + len > body.length) throw new TarHeaderError(`bad PAX record length at ${i}`);
    const rec = body.toString('utf8', sp + 1, i + len - 1); // drop the trailing '\n'
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

export interface ResolvedFields {
  name: string;
  linkname: string;
  size: number;
  uid: number;
  gid: number;
}

/**
 * The extension records seen before an entry, applied to it the same way by the streaming
 * parser and the positional walker: GNU 'L'/'K' long names, PAX 'x' per-entry and 'g' global
 * records (path, linkpath, size, uid, gid).
 */
export class Extensions {
  private longName: string | undefined;
  private longLink: string | undefined;
  private pax: Record<string, string> | undefined;
  private globalPax: Record<string, string> | undefined;

  /** Take in the body of an extension record; throws TarHeaderError when it is malformed. */
  absorb(flag: string, body: Buffer): void {
    if (flag === 'x') this.pax = { ...this.pax, ...parsePax(body) };
    else if (flag === 'g') this.globalPax = { ...this.globalPax, ...parsePax(body) };
    else if (flag === 'L') this.longName = body.toString('utf8').replace(/\0.*$/s, '');
    else if (flag === 'K') this.longLink = body.toString('utf8').replace(/\0.*$/s, '');
  }

  /** The fields of the entry with header `h`; forgets the per-entry records. */
  resolve(h: HeaderFields): ResolvedFields {
    const pax = this.globalPax || this.pax ? { ...this.globalPax, ...this.pax } : undefined;
    const r: ResolvedFields = {
      name: pax?.path ?? this.longName ?? h.name,
      linkname: pax?.linkpath ?? this.longLink ?? h.linkname,
      size: h.size,
      uid: h.uid,
      gid: h.gid,
    };
    this.longName = undefined;
    this.longLink = undefined;
    this.pax = undefined;
    if (pax) {
      if (pax.size !== undefined) r.size = Number(pax.size);
      if (pax.uid !== undefined) r.uid = Number(pax.uid);
      if (pax.gid !== undefined) r.gid = Number(pax.gid);
      if (!Number.isSafeInteger(r.size) || r.size < 0) throw new TarHeaderError(`invalid PAX size ${JSON.stringify(pax.size)}`);
    }
    return r;
  }
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
