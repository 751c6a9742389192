// rpm's "ndb" Packages.db (SUSE): a 32-byte header ("RpmP", version 0, slot page count), slot
// pages of 16-byte slots ("Slot", package index, block offset, block count), and per package a
// block ("BlbS", package index, checksum, length) followed by the header blob. Little-endian.
import type { ParseProblem } from '../generic.js';
import type { DbValue } from './parse-bdb.js';

const HEADER_MAGIC = 0x506d7052; // 'RpmP'
const SLOT_MAGIC = 0x746f6c53; // 'Slot'
const BLOB_MAGIC = 0x53626c42; // 'BlbS'
const SLOTS_PER_PAGE = 4096 / 16;
const BLOCK = 16;

export class NdbError extends Error {}

export function readNdbValues(buf: Buffer): { values: DbValue[]; problems: ParseProblem[] } {
  if (buf.length < 32 || buf.readUInt32LE(0) !== HEADER_MAGIC) throw new NdbError('not an rpm ndb Packages.db (bad magic)');
  const version = buf.readUInt32LE(4);
  if (version !== 0) throw new NdbError(`unsupported ndb version ${version}`);
  const slotPages = buf.readUInt32LE(12);
  if (slotPages === 0 || slotPages > 2048) throw new NdbError(`implausible slot page count ${slotPages}`);
  const problems: ParseProblem[] = [];
  const values: DbValue[] = [];
  const nSlots = slotPages * SLOTS_PER_PAGE;
  // Slots 0 and 1 are the file header itself.
  for (let s = 2; s < nSlots; s++) {
    const so = s * 16;
    if (so + 16 > buf.length) {
      problems.push({ message: `slot table is cut off at slot ${s} (file truncated)`, offset: so });
      break;
    }
    if (buf.readUInt32LE(so) !== SLOT_MAGIC) {
      problems.push({ message: `slot ${s} has a bad magic`, offset: so });
      break;
    }
    const pkgIndex = buf.readUInt32LE(so + 4);
    if (pkgIndex === 0) continue; // free slot
    const blkOffset = buf.readUInt32LE(so + 8);
    const bo = blkOffset * BLOCK;
    if (bo + 16 > buf.length) {
      problems.push({ message: `package ${pkgIndex}: block at byte ${bo} lies past the end of the file`, offset: so });
      continue;
    }
    if (buf.readUInt32LE(bo) !== BLOB_MAGIC || buf.readUInt32LE(bo + 4) !== pkgIndex) {
      problems.push({ message: `package ${pkgIndex}: block at byte ${bo} is not its blob`, offset: bo });
      continue;
    }
    const len = buf.readUInt32LE(bo + 12);
    if (bo + 16 + len > buf.length) {
      problems.push({ message: `package ${pkgIndex}: blob of ${len} bytes at byte ${bo} runs past the end of the file`, offset: bo });
      continue;
    }
    values.push({ blob: Buffer.from(buf.subarray(bo + 16, bo + 16 + len)), offset: bo });
  }
  return { values, problems };
}
