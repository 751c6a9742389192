// rpm's legacy Packages database: a Berkeley DB hash file. We read its pages ourselves (no
// libdb): page 0 is the hash metadata page (magic 0x061561, either byte order), hash pages
// (type 13, or 2 "unsorted" on old RHEL) hold key/data item pairs, and package headers live
// as off-page items whose bytes are chained through overflow pages (type 7).
import type { ParseProblem } from '../generic.js';

const HASH_MAGIC = 0x061561;
const BTREE_MAGIC = 0x053162;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;
const PAGE_HEADER = 26;

export class BdbError extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

export interface DbValue {
  blob: Buffer;
  /** Byte offset of the item (or its first overflow page) in the file, for messages. */
  offset: number;
}

/** Every data value of the hash database. Throws BdbError when the file itself is unusable. */
export function readBdbValues(buf: Buffer): { values: DbValue[]; problems: ParseProblem[] } {
  if (buf.length < 512) throw new BdbError(`file is ${buf.length} bytes, too short for a Berkeley DB metadata page`);
  let le: boolean;
  if (buf.readUInt32LE(12) === HASH_MAGIC) le = true;
  else if (buf.readUInt32BE(12) === HASH_MAGIC) le = false;
  else if (buf.readUInt32LE(12) === BTREE_MAGIC || buf.readUInt32BE(12) === BTREE_MAGIC) throw new BdbError('Berkeley DB btree databases are not supported (rpm uses the hash format)', true);
  else throw new BdbError('not a Berkeley DB hash file (bad magic at byte 12)');
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));

  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new BdbError(`invalid page size ${pageSize}`);
  if (buf[24] !== 0) throw new BdbError('encrypted Berkeley DB databases are not supported', true);
  if (buf[25] !== P_HASHMETA) throw new BdbError(`page 0 has type ${buf[25]}, not hash metadata`);
  const lastPgno = u32(32);
  const problems: ParseProblem[] = [];
  const pagesInFile = Math.floor(buf.length / pageSize);
  if (lastPgno + 1 > pagesInFile) problems.push({ message: `database claims ${lastPgno + 1} pages but the file holds ${pagesInFile} (truncated)`, offset: buf.length });
  const lastPage = Math.min(lastPgno, pagesInFile - 1);

  const overflow = (first: number, tlen: number, at: number): Buffer | undefined => {
    const parts: Buffer[] = [];
    let total = 0;
    const seen = new Set<number>();
    for (let pg = first; pg !== 0; ) {
      if (pg > lastPage || seen.has(pg)) {
        problems.push({ message: `overflow chain of the item at byte ${at} ${seen.has(pg) ? 'loops' : `points to missing page ${pg}`}`, offset: at });
        return undefined;
      }
      seen.add(pg);
      const off = pg * pageSize;
      if (buf[off + 25] !== P_OVERFLOW) {
        problems.push({ message: `page ${pg} in the overflow chain of the item at byte ${at} is not an overflow page`, offset: off });
        return undefined;
      }
      const len = u16(off + 22); // on overflow pages hf_offset is the number of bytes held
      if (PAGE_HEADER + len > pageSize) {
        problems.push({ message: `overflow page ${pg} claims ${len} bytes`, offset: off });
        return undefined;
      }
      parts.push(buf.subarray(off + PAGE_HEADER, off + PAGE_HEADER + len));
      total += len;
      pg = u32(off + 16);
    }
    if (total !== tlen) {
      problems.push({ message: `item at byte ${at} should be ${tlen} bytes but its overflow pages hold ${total}`, offset: at });
      return undefined;
    }
    return Buffer.concat(parts);
  };

  const values: DbValue[] = [];
  for (let pg = 1; pg <= lastPage; pg++) {
    const off = pg * pageSize;
    const type = buf[off + 25];
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    const entries = u16(off + 20);
    if (PAGE_HEADER + entries * 2 > pageSize) {
      problems.push({ message: `hash page ${pg} claims ${entries} entries`, offset: off });
      continue;
    }
    const itemOff = (i: number): number => u16(off + PAGE_HEADER + 2 * i);
    // Items come in key/data pairs; only the data (odd index) holds a package header.
    for (let i = 1; i < entries; i += 2) {
      const io = itemOff(i);
      if (io < PAGE_HEADER || io >= pageSize) {
        problems.push({ message: `hash page ${pg} item ${i} has offset ${io} outside the page`, offset: off });
        continue;
      }
      const at = off + io;
      const itemType = buf[at];
      if (itemType === H_OFFPAGE) {
        if (io + 12 > pageSize) {
          problems.push({ message: `hash page ${pg} item ${i} is cut off by the page end`, offset: at });
          continue;
        }
        const blob = overflow(u32(at + 4), u32(at + 8), at);
        if (blob) values.push({ blob, offset: at });
      } else if (itemType === H_KEYDATA) {
        // On-page data: it runs up to the previous item (items are packed from the page end down).
        const end = i === 0 ? pageSize : itemOff(i - 1) > io ? itemOff(i - 1) : pageSize;
        const blob = buf.subarray(at + 1, off + end);
        // rpm keeps small bookkeeping values here (e.g. the next instance number); a header is
        // recognisable by its self-consistent preamble.
        if (blob.length >= 8 && 8 + blob.readUInt32BE(0) * 16 + blob.readUInt32BE(4) <= blob.length && blob.readUInt32BE(0) > 0) {
          values.push({ blob: Buffer.from(blob), offset: at });
        }
      }
    }
  }
  return { values, problems };
}
