// An incremental tar parser fed by chunks. It never copies file bodies: each entry's body is
// handed on as slices of the incoming chunks (to be passed through verbatim, captured when
// small, or only watched), so a 300 MB image stream costs little more than the copy itself.
import { BLOCK, Extensions, isExtension, isZeroBlock, padding, parseHeader, TarHeaderError, type HeaderFields } from './header.js';

export interface TarEntry {
  name: string;
  flag: string;
  size: number;
  /** As stored (file type bits some writers add included). */
  mode: number;
  uid: number;
  gid: number;
  linkname: string;
  /** Byte offset of the entry's first record (its extension records included). */
  headerOffset: number;
  /** Byte offset of the entry's body. */
  dataOffset: number;
}

export interface EntryHandling {
  /** Pass the entry's raw bytes (extension records, header, body, padding) to `raw`. */
  emit?: boolean;
  /** Collect the body and hand it to `captured` at the end of the entry. */
  capture?: boolean;
  /** See the body as it streams by. */
  observe?: (chunk: Buffer) => void;
  /** Called once the entry's body has been seen completely. */
  done?: (body?: Buffer) => void;
}

export interface ParserHandlers {
  entry(e: TarEntry): EntryHandling;
  raw?(chunk: Buffer): void;
}

export interface ParserOptions {
  /** An archive with no entries at all (only end blocks, or nothing) is fine, as a layer may be; otherwise it is 'not-tar'. */
  emptyOk?: boolean;
}

/**
 * Why reading a tar stopped, at which tar byte offset: it ended early ('truncated'), its first
 * header is not a tar header ('not-tar'), or a later header or extension record is corrupt ('format').
 */
export class TarFormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly kind: 'truncated' | 'not-tar' | 'format',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The header at tar offset `at`, as a TarFormatError when it is not valid. */
export function headerAt(block: Buffer, at: number, first: boolean): HeaderFields {
  try {
    return parseHeader(block);
  } catch (e) {
    if (!(e instanceof TarHeaderError)) throw e;
    throw new TarFormatError(`invalid tar header at byte ${at}: ${e.message}`, at, first ? 'not-tar' : 'format', { cause: e });
  }
}

/** Apply an extension record's body (read at tar offset `at`), as a TarFormatError when it is malformed. */
export function absorbAt(ext: Extensions, flag: string, body: Buffer, at: number): void {
  try {
    ext.absorb(flag, body);
  } catch (e) {
    if (!(e instanceof TarHeaderError)) throw e;
    throw new TarFormatError(`invalid extended header at byte ${at}: ${e.message}`, at, 'format', { cause: e });
  }
}

/** The entry whose header is `h` at tar offset `at`, extension records applied. */
export function entryAt(ext: Extensions, h: HeaderFields, headerOffset: number, at: number): TarEntry {
  let r;
  try {
    r = ext.resolve(h);
  } catch (e) {
    if (!(e instanceof TarHeaderError)) throw e;
    throw new TarFormatError(`invalid extended header for the entry at byte ${at}: ${e.message}`, at, 'format', { cause: e });
  }
  return { name: r.name, flag: h.flag, size: r.size, mode: h.mode, uid: r.uid, gid: r.gid, linkname: r.linkname, headerOffset, dataOffset: at + BLOCK };
}

export class TarParser {
  private offset = 0;
  private head = Buffer.alloc(BLOCK);
  private headLen = 0;
  private remaining = 0; // body bytes left in the current entry
  private pad = 0; // padding bytes left after the body
  private current: EntryHandling | undefined;
  private captured: Buffer[] = [];
  private extBody: Buffer[] | undefined; // body of a pending extension record
  private extFlag = '';
  private extAt = 0;
  private pendingRaw: Buffer[] = [];
  private pendingStart = -1;
  private readonly ext = new Extensions();
  private seenEnd = false;
  private entries = 0;

  constructor(
    private readonly h: ParserHandlers,
    private readonly opts: ParserOptions = {},
  ) {}

  get ended(): boolean {
    return this.seenEnd;
  }

  get position(): number {
    return this.offset;
  }

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && !this.seenEnd) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - i);
        const slice = chunk.subarray(i, i + n);
        this.body(slice);
        this.remaining -= n;
        i += n;
        this.offset += n;
        if (this.remaining === 0 && this.pad === 0) this.endEntry();
        continue;
      }
      if (this.pad > 0) {
        const n = Math.min(this.pad, chunk.length - i);
        if (this.extBody) this.pendingRaw.push(Buffer.from(chunk.subarray(i, i + n)));
        else if (this.current?.emit) this.rawOut(chunk.subarray(i, i + n));
        this.pad -= n;
        i += n;
        this.offset += n;
        if (this.pad === 0) this.endEntry();
        continue;
      }
      // Accumulate a header block.
      const n = Math.min(BLOCK - this.headLen, chunk.length - i);
      chunk.copy(this.head, this.headLen, i, i + n);
      this.headLen += n;
      i += n;
      this.offset += n;
      if (this.headLen === BLOCK) {
        this.headLen = 0;
        this.header();
      }
    }
  }

  /** Call when the input is exhausted: throws when the archive stopped inside an entry. */
  finish(): void {
    if (this.seenEnd) return;
    if (this.remaining > 0 || this.pad > 0 || this.headLen > 0 || this.extBody) {
      throw new TarFormatError(`archive ends inside an entry at byte ${this.offset}`, this.offset, 'truncated');
    }
    if (this.entries === 0 && !this.opts.emptyOk) throw new TarFormatError('archive is empty', this.offset, 'not-tar');
    // A missing end-of-archive marker after a complete entry is tolerated (some writers omit it).
  }

  private rawOut(b: Buffer): void {
    this.h.raw?.(b);
  }

  private body(slice: Buffer): void {
    if (this.extBody) {
      this.extBody.push(Buffer.from(slice));
      this.pendingRaw.push(Buffer.from(slice));
      return;
    }
    const c = this.current;
    if (!c) return;
    if (c.emit) this.rawOut(slice);
    if (c.capture) this.captured.push(Buffer.from(slice));
    c.observe?.(slice);
  }

  private header(): void {
    const block = this.head;
    const at = this.offset - BLOCK;
    if (isZeroBlock(block)) {
      if (this.entries === 0 && !this.extBody && this.pendingRaw.length === 0 && at === 0 && !this.opts.emptyOk) {
        throw new TarFormatError('archive starts with an empty block', at, 'not-tar');
      }
      this.seenEnd = true;
      return;
    }
    const f = headerAt(block, at, this.entries === 0);
    if (this.pendingStart < 0) this.pendingStart = at;
    if (isExtension(f.flag)) {
      this.pendingRaw.push(Buffer.from(block));
      this.extFlag = f.flag;
      this.extAt = at;
      this.extBody = [];
      this.remaining = f.size;
      this.pad = padding(f.size);
      if (f.size === 0) this.endEntry();
      return;
    }
    const e = entryAt(this.ext, f, this.pendingStart, at);
    const size = e.size;
    this.pendingStart = -1;
    this.entries++;
    this.current = this.h.entry(e);
    if (this.current.emit) {
      for (const r of this.pendingRaw) this.rawOut(r);
      this.rawOut(Buffer.from(block));
    }
    this.pendingRaw = [];
    this.captured = [];
    this.remaining = size;
    this.pad = padding(size);
    if (size === 0) this.endEntry();
  }

  private endEntry(): void {
    if (this.extBody) {
      const body = Buffer.concat(this.extBody);
      this.extBody = undefined;
      absorbAt(this.ext, this.extFlag, body, this.extAt);
      return;
    }
    const c = this.current;
    this.current = undefined;
    if (!c) return;
    c.done?.(c.capture ? Buffer.concat(this.captured) : undefined);
    this.captured = [];
  }
}
