// Index a tar file on disk by reading only its headers (bodies are skipped with positioned
// reads), so a multi-GB `docker save` archive is opened in milliseconds and any entry can later
// be streamed straight from its byte range.
import { open, type FileHandle } from 'node:fs/promises';
import { BLOCK, cleanName, decodeHeader, entryType, isExtension, isZeroBlock, padding, parsePax, type EntryType } from './header.js';
import { TarFormatError } from './parser.js';

export interface IndexedEntry {
  name: string;
  type: EntryType;
  linkname: string;
  mode: number;
  size: number;
  /** Byte offset of the body in the tar file. */
  offset: number;
}

export interface TarFileIndex {
  path: string;
  size: number;
  entries: Map<string, IndexedEntry>;
  /** In archive order. */
  list: IndexedEntry[];
}

async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === len ? buf : buf.subarray(0, got);
}

/** Walk headers of the tar in `fh` between `start` and `start + length`. */
export async function walkTarHeaders(
  fh: FileHandle,
  start: number,
  length: number,
  visit: (e: IndexedEntry) => void,
): Promise<void> {
  const end = start + length;
  let pos = start;
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  let count = 0;
  while (pos + BLOCK <= end) {
    const block = await readAt(fh, pos, BLOCK);
    if (block.length < BLOCK) break;
    if (isZeroBlock(block)) {
      if (count === 0 && pos === start) throw new TarFormatError('archive starts with an empty block', pos, 'not-tar');
      return;
    }
    const f = decodeHeader(block);
    if (!f) throw new TarFormatError(`no valid tar header at byte ${pos - start}`, pos - start, count === 0 ? 'not-tar' : 'truncated');
    const dataAt = pos + BLOCK;
    if (isExtension(f.flag)) {
      if (dataAt + f.size > end) throw new TarFormatError(`archive ends inside an entry at byte ${dataAt - start}`, dataAt - start, 'truncated');
      const body = await readAt(fh, dataAt, f.size);
      if (f.flag === 'x') Object.assign(pax, parsePax(body));
      else if (f.flag === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
      else if (f.flag === 'K') longLink = body.toString('utf8').replace(/\0.*$/s, '');
      pos = dataAt + f.size + padding(f.size);
      continue;
    }
    const size = pax.size !== undefined ? Number(pax.size) : f.size;
    const e: IndexedEntry = {
      name: cleanName(pax.path ?? longName ?? f.name),
      type: entryType(f.flag),
      linkname: pax.linkpath ?? longLink ?? f.linkname,
      mode: f.mode,
      size,
      offset: dataAt,
    };
    pax = {};
    longName = undefined;
    longLink = undefined;
    if (dataAt + size > end) throw new TarFormatError(`archive ends inside ${e.name} at byte ${end - start}`, end - start, 'truncated');
    count++;
    visit(e);
    pos = dataAt + size + padding(size);
  }
  if (count === 0) throw new TarFormatError('archive has no entries', 0, 'not-tar');
  if (pos < end && end - pos < BLOCK) throw new TarFormatError(`archive ends inside a header at byte ${pos - start}`, pos - start, 'truncated');
}

export async function indexTarFile(path: string): Promise<TarFileIndex> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const entries = new Map<string, IndexedEntry>();
    const list: IndexedEntry[] = [];
    await walkTarHeaders(fh, 0, size, (e) => {
      entries.set(e.name, e);
      list.push(e);
    });
    return { path, size, entries, list };
  } finally {
    await fh.close();
  }
}
