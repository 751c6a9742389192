// An RPM header blob, as rpmdb stores one per package (no 8-byte magic prefix): a big-endian
// index count `il` and data length `dl`, `il` 16-byte index entries (tag, type, offset, count),
// then `dl` bytes of data. Every entry is bounds-checked before use, so a malformed blob gives
// a clear RpmHeaderError instead of garbage or a crash.
export const RPM_TAG = {
  HEADERIMAGE: 61,
  HEADERSIGNATURES: 62,
  HEADERIMMUTABLE: 63,
  SIGMD5: 261,
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  INSTALLTIME: 1008,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  FILESIZES: 1028,
  FILEMODES: 1030,
  FILEDIGESTS: 1035,
  FILELINKTOS: 1036,
  FILEFLAGS: 1037,
  FILEUSERNAME: 1039,
  FILEGROUPNAME: 1040,
  SOURCERPM: 1044,
  PROVIDENAME: 1047,
  REQUIRENAME: 1049,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  LONGFILESIZES: 5008,
  LONGSIZE: 5009,
  FILEDIGESTALGO: 5011,
  MODULARITYLABEL: 5096,
} as const;

export const RPM_TYPE = { NULL: 0, CHAR: 1, INT8: 2, INT16: 3, INT32: 4, INT64: 5, STRING: 6, BIN: 7, STRING_ARRAY: 8, I18NSTRING: 9 } as const;

const TYPE_SIZE: Record<number, number> = { 0: 0, 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 1, 9: 1 };
/** rpm's own sanity limits (header_internal.h). */
const HEADER_TAGS_MAX = 0xffff;
const HEADER_DATA_MAX = 0x0fffffff;

export class RpmHeaderError extends Error {}

export interface IndexEntry {
  tag: number;
  type: number;
  offset: number;
  count: number;
}

export class RpmHeader {
  private readonly index = new Map<number, IndexEntry>();
  private readonly data: Buffer;

  constructor(blob: Buffer) {
    if (blob.length < 8) throw new RpmHeaderError(`header blob is ${blob.length} bytes, shorter than its 8-byte preamble`);
    const il = blob.readUInt32BE(0);
    const dl = blob.readUInt32BE(4);
    if (il < 1 || il > HEADER_TAGS_MAX) throw new RpmHeaderError(`header index count ${il} is out of range`);
    if (dl > HEADER_DATA_MAX) throw new RpmHeaderError(`header data length ${dl} is out of range`);
    const dataStart = 8 + il * 16;
    if (dataStart + dl > blob.length) {
      throw new RpmHeaderError(`header claims ${il} index entries and ${dl} data bytes (${dataStart + dl} bytes) but the blob has ${blob.length}`);
    }
    this.data = blob.subarray(dataStart, dataStart + dl);
    for (let i = 0; i < il; i++) {
      const o = 8 + i * 16;
      const e: IndexEntry = { tag: blob.readUInt32BE(o), type: blob.readUInt32BE(o + 4), offset: blob.readInt32BE(o + 8), count: blob.readUInt32BE(o + 12) };
      if (e.type > RPM_TYPE.I18NSTRING) throw new RpmHeaderError(`tag ${e.tag}: unknown data type ${e.type}`);
      if (e.offset < 0 || e.offset > dl) throw new RpmHeaderError(`tag ${e.tag}: data offset ${e.offset} is outside the ${dl}-byte data area`);
      if (e.count === 0 || e.count > dl + 1) throw new RpmHeaderError(`tag ${e.tag}: item count ${e.count} is out of range`);
      const size = TYPE_SIZE[e.type]!;
      if (e.type !== RPM_TYPE.STRING && e.type !== RPM_TYPE.STRING_ARRAY && e.type !== RPM_TYPE.I18NSTRING && e.offset + e.count * size > dl) {
        throw new RpmHeaderError(`tag ${e.tag}: ${e.count} items of ${size} bytes at offset ${e.offset} run past the data area`);
      }
      // Later entries (the "dribble" after the immutable region) override earlier ones, as in rpm.
      this.index.set(e.tag, e);
    }
  }

  has(tag: number): boolean {
    return this.index.has(tag);
  }

  tags(): number[] {
    return [...this.index.keys()];
  }

  private strs(e: IndexEntry, n: number): string[] {
    const out: string[] = [];
    let pos = e.offset;
    for (let i = 0; i < n; i++) {
      const end = this.data.indexOf(0, pos);
      if (end < 0) throw new RpmHeaderError(`tag ${e.tag}: string ${i} is not NUL-terminated inside the data area`);
      out.push(this.data.toString('utf8', pos, end));
      pos = end + 1;
    }
    return out;
  }

  strings(tag: number): string[] {
    const e = this.index.get(tag);
    if (!e) return [];
    if (e.type === RPM_TYPE.STRING) return this.strs(e, 1);
    if (e.type === RPM_TYPE.STRING_ARRAY || e.type === RPM_TYPE.I18NSTRING) return this.strs(e, e.count);
    throw new RpmHeaderError(`tag ${tag}: expected strings, found type ${e.type}`);
  }

  string(tag: number): string | undefined {
    const e = this.index.get(tag);
    if (!e) return undefined;
    // I18N strings: the first one is the untranslated (C locale) text.
    return this.strs(e, 1)[0];
  }

  ints(tag: number): number[] {
    const e = this.index.get(tag);
    if (!e) return [];
    const out: number[] = new Array(e.count);
    const d = this.data;
    switch (e.type) {
      case RPM_TYPE.CHAR:
      case RPM_TYPE.INT8:
        for (let i = 0; i < e.count; i++) out[i] = d[e.offset + i]!;
        return out;
      case RPM_TYPE.INT16:
        for (let i = 0; i < e.count; i++) out[i] = d.readUInt16BE(e.offset + 2 * i);
        return out;
      case RPM_TYPE.INT32:
        for (let i = 0; i < e.count; i++) out[i] = d.readUInt32BE(e.offset + 4 * i);
        return out;
      case RPM_TYPE.INT64:
        for (let i = 0; i < e.count; i++) out[i] = Number(d.readBigUInt64BE(e.offset + 8 * i));
        return out;
      default:
        throw new RpmHeaderError(`tag ${tag}: expected integers, found type ${e.type}`);
    }
  }

  int(tag: number): number | undefined {
    return this.has(tag) ? this.ints(tag)[0] : undefined;
  }

  bin(tag: number): Buffer | undefined {
    const e = this.index.get(tag);
    if (!e) return undefined;
    if (e.type !== RPM_TYPE.BIN) throw new RpmHeaderError(`tag ${tag}: expected binary, found type ${e.type}`);
    return this.data.subarray(e.offset, e.offset + e.count);
  }
}

export interface RpmFile {
  path: string;
  mode?: number;
  size?: number;
  digest?: string;
  flags?: number;
  user?: string;
  group?: string;
  linkTo?: string;
}

export interface RpmEntry {
  name: string;
  epoch?: number;
  version: string;
  release: string;
  arch?: string;
  sourceRpm?: string;
  license?: string;
  vendor?: string;
  summary?: string;
  size?: number;
  installTime?: number;
  sigMd5?: string;
  modularityLabel?: string;
  digestAlgorithm?: string;
  provides: string[];
  requires: string[];
}

const DIGEST_ALGO: Record<number, string> = { 1: 'md5', 2: 'sha1', 3: 'ripemd160', 5: 'md2', 6: 'tiger192', 7: 'haval-5-160', 8: 'sha256', 9: 'sha384', 10: 'sha512', 11: 'sha224' };

/** Name, epoch, version, release, arch and package facts. Throws RpmHeaderError. */
export function rpmEntry(h: RpmHeader): RpmEntry {
  const name = h.string(RPM_TAG.NAME);
  if (!name) throw new RpmHeaderError('header has no package name (tag 1000)');
  const e: RpmEntry = {
    name,
    version: h.string(RPM_TAG.VERSION) ?? '',
    release: h.string(RPM_TAG.RELEASE) ?? '',
    provides: h.strings(RPM_TAG.PROVIDENAME),
    requires: h.strings(RPM_TAG.REQUIRENAME),
  };
  const epoch = h.int(RPM_TAG.EPOCH);
  if (epoch !== undefined) e.epoch = epoch;
  const set = <K extends keyof RpmEntry>(k: K, v: RpmEntry[K] | undefined): void => {
    if (v !== undefined && v !== '') e[k] = v;
  };
  set('arch', h.string(RPM_TAG.ARCH));
  set('sourceRpm', h.string(RPM_TAG.SOURCERPM));
  set('license', h.string(RPM_TAG.LICENSE));
  set('vendor', h.string(RPM_TAG.VENDOR));
  set('summary', h.string(RPM_TAG.SUMMARY));
  set('size', h.int(RPM_TAG.LONGSIZE) ?? h.int(RPM_TAG.SIZE));
  set('installTime', h.int(RPM_TAG.INSTALLTIME));
  set('modularityLabel', h.string(RPM_TAG.MODULARITYLABEL));
  const sig = h.bin(RPM_TAG.SIGMD5);
  if (sig) e.sigMd5 = sig.toString('hex');
  const algo = h.int(RPM_TAG.FILEDIGESTALGO);
  if (h.has(RPM_TAG.FILEDIGESTS)) e.digestAlgorithm = DIGEST_ALGO[algo ?? 1] ?? `algorithm-${algo}`;
  return e;
}

/** The installed files. Throws RpmHeaderError when the file arrays disagree (blob.bin). */
export function rpmFiles(h: RpmHeader): RpmFile[] {
  let paths: string[];
  if (h.has(RPM_TAG.BASENAMES)) {
    const base = h.strings(RPM_TAG.BASENAMES);
    const dirs = h.strings(RPM_TAG.DIRNAMES);
    const idx = h.ints(RPM_TAG.DIRINDEXES);
    if (idx.length !== base.length) throw new RpmHeaderError(`file list: ${base.length} base names but ${idx.length} dir indexes`);
    paths = base.map((b, i) => {
      const d = idx[i]!;
      if (d < 0 || d >= dirs.length) throw new RpmHeaderError(`file list: dir index ${d} of file ${i} (${b}) points past the ${dirs.length} dir names`);
      return dirs[d]! + b;
    });
  } else {
    paths = h.strings(RPM_TAG.OLDFILENAMES);
  }
  const n = paths.length;
  const arr = <T>(tag: number, get: (t: number) => T[]): T[] | undefined => {
    if (!h.has(tag)) return undefined;
    const v = get(tag);
    if (v.length !== n) throw new RpmHeaderError(`file list: tag ${tag} has ${v.length} items for ${n} files`);
    return v;
  };
  const sizes = arr(RPM_TAG.LONGFILESIZES, (t) => h.ints(t)) ?? arr(RPM_TAG.FILESIZES, (t) => h.ints(t));
  const modes = arr(RPM_TAG.FILEMODES, (t) => h.ints(t));
  const digests = arr(RPM_TAG.FILEDIGESTS, (t) => h.strings(t));
  const flags = arr(RPM_TAG.FILEFLAGS, (t) => h.ints(t));
  const users = arr(RPM_TAG.FILEUSERNAME, (t) => h.strings(t));
  const groups = arr(RPM_TAG.FILEGROUPNAME, (t) => h.strings(t));
  const links = arr(RPM_TAG.FILELINKTOS, (t) => h.strings(t));
  return paths.map((path, i) => {
    const f: RpmFile = { path };
    if (modes) f.mode = modes[i]!;
    if (sizes) f.size = sizes[i]!;
    if (digests && digests[i]) f.digest = digests[i]!;
    if (flags) f.flags = flags[i]!;
    if (users && users[i]) f.user = users[i]!;
    if (groups && groups[i]) f.group = groups[i]!;
    if (links && links[i]) f.linkTo = links[i]!;
    return f;
  });
}

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
