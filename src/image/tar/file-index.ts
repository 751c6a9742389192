// Index a tar file on disk by reading only its headers (bodies are skipped with positioned
// reads), so a multi-GB `docker save` archive is opened in milliseconds and any entry can later
// be streamed straight from its byte range.
import { stat } from 'node:fs/promises';
import { cleanName, entryType, type EntryType } from './header.js';
import { walkTarFile } from './walk.js';

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

/** Throws TarFormatError when the file is not a tar ('not-tar', also when it has no entries) or is cut short. */
export async function indexTarFile(path: string): Promise<TarFileIndex> {
  const { size } = await stat(path);
  const entries = new Map<string, IndexedEntry>();
  const list: IndexedEntry[] = [];
  await walkTarFile({ path, offset: 0, length: size }, (t) => {
    const e: IndexedEntry = { name: cleanName(t.name), type: entryType(t.flag), linkname: t.linkname, mode: t.mode, size: t.size, offset: t.dataOffset };
    entries.set(e.name, e);
    list.push(e);
    return {};
  });
  return { path, size, entries, list };
}
