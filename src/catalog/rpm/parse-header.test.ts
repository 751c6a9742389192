// Facts from test/fixtures/SOURCES.md, rpm section: every database backend and the raw blob.
import { describe, expect, it } from 'vitest';
import { fixture } from '../test-fixtures.js';
import { readBdbValues, BdbError } from './parse-bdb.js';
import { RpmHeader, RpmHeaderError, rpmEntry, rpmFiles } from './parse-header.js';
import { readNdbValues } from './parse-ndb.js';
import { readSqliteValues } from './parse-sqlite.js';

function only(values: { blob: Buffer }[]) {
  expect(values).toHaveLength(1);
  const h = new RpmHeader(values[0]!.blob);
  return { h, e: rpmEntry(h), files: rpmFiles(h) };
}

describe('Berkeley DB: libuuid/Packages', () => {
  it('holds one header: libuuid with every package fact', () => {
    const { values, problems } = readBdbValues(fixture('rpm/libuuid/Packages'));
    expect(problems).toEqual([]);
    const { e } = only(values);
    expect(e).toMatchObject({
      name: 'libuuid',
      version: '2.32.1',
      release: '42.el8_8',
      arch: 'x86_64',
      size: 35104,
      sourceRpm: 'util-linux-2.32.1-42.el8_8.src.rpm',
      license: 'BSD',
      vendor: 'Red Hat, Inc.',
      summary: 'Universally unique ID library',
      sigMd5: 'c1e561f13d39aee443a1f00258fba000',
      digestAlgorithm: 'sha256',
      installTime: 1696444673,
    });
    expect(e.epoch).toBeUndefined();
    expect(e.provides).toEqual(['libuuid', 'libuuid(x86-64)', 'libuuid.so.1()(64bit)', 'libuuid.so.1(UUIDD_PRIVATE)(64bit)', 'libuuid.so.1(UUID_1.0)(64bit)', 'libuuid.so.1(UUID_2.20)(64bit)', 'libuuid.so.1(UUID_2.31)(64bit)']);
    expect(e.requires).toHaveLength(17);
    expect(e.requires.filter((r) => r === '/sbin/ldconfig')).toHaveLength(2);
    expect(e.requires.filter((r) => r.startsWith('rpmlib('))).toHaveLength(4);
    expect(e.requires).toContain('rtld(GNU_HASH)');
  });

  it('lists its seven files with modes, sizes, digests, flags and owners', () => {
    const { files } = only(readBdbValues(fixture('rpm/libuuid/Packages')).values);
    expect(files.map((f) => f.path)).toEqual([
      '/usr/lib/.build-id',
      '/usr/lib/.build-id/df/ef6a880adac817216ab9866779a0725e017647',
      '/usr/lib64/libuuid.so.1',
      '/usr/lib64/libuuid.so.1.3.0',
      '/usr/share/licenses/libuuid',
      '/usr/share/licenses/libuuid/COPYING',
      '/usr/share/licenses/libuuid/COPYING.BSD-3',
    ]);
    expect(files[0]).toMatchObject({ mode: 0x41ed, flags: 4096 });
    expect(files[1]).toMatchObject({ mode: 0xa1ff, size: 38, flags: 4096 });
    expect(files[2]).toMatchObject({ size: 16 });
    expect((files[2]!.mode! & 0o170000) === 0o120000).toBe(true);
    expect(files[3]).toMatchObject({ mode: 0x81ed, size: 33496, digest: '3c8f59a0e39cce53501045859f5c9a86b82fedd558a2f4110ab1823047b43745' });
    expect((files[4]!.mode! & 0o170000) === 0o040000).toBe(true);
    expect(files[5]).toMatchObject({ size: 217, flags: 128 });
    expect(files[6]).toMatchObject({ size: 1391, flags: 128 });
    expect(files.every((f) => f.user === 'root' && f.group === 'root')).toBe(true);
  });

  it('reads the same database written big-endian', () => {
    const le = fixture('rpm/libuuid/Packages');
    const be = swapBdbEndianness(le);
    expect(be.equals(le)).toBe(false);
    const { e, files } = only(readBdbValues(be).values);
    expect(e.name).toBe('libuuid');
    expect(files).toHaveLength(7);
  });

  it('a truncated file yields problems, not a crash', () => {
    const le = fixture('rpm/libuuid/Packages');
    const { values, problems } = readBdbValues(le.subarray(0, 8192 + 100));
    expect(values).toEqual([]);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.message).toMatch(/truncated|missing page/);
  });

  it('a file that is not Berkeley DB is refused with a clear error', () => {
    expect(() => readBdbValues(Buffer.alloc(4096, 7))).toThrow(BdbError);
    expect(() => readBdbValues(Buffer.alloc(4096, 7))).toThrow(/not a Berkeley DB hash file/);
  });
});

describe('Berkeley DB: syft-dive.Packages', () => {
  it('holds dive 0.9.2-1 with one file and no user, group or flags', () => {
    const { values } = readBdbValues(fixture('rpm/syft-dive.Packages'));
    const { e, files } = only(values);
    expect(e).toMatchObject({ name: 'dive', version: '0.9.2', release: '1', arch: 'x86_64', sourceRpm: 'dive-0.9.2-1.src.rpm', size: 12406784, license: 'MIT', provides: ['dive'] });
    expect(e.epoch).toBeUndefined();
    expect(e.vendor).toBeUndefined();
    expect(e.modularityLabel).toBeUndefined();
    // flags 0 = no flag set; empty user and group names are left out
    expect(files).toEqual([{ path: '/usr/local/bin/dive', mode: 33261, size: 12406784, flags: 0, digest: '81d29f327ba23096b3c52ff6fe1c425641e618bc87b5c05ee377edc650afaa55' }]);
  });
});

describe('SQLite: cbl-mariner-2.0/rpmdb.sqlite (WAL header, no -wal file)', () => {
  it('holds 129 packages; curl has every fact', async () => {
    const values = await readSqliteValues(fixture('rpm/cbl-mariner-2.0/rpmdb.sqlite'));
    expect(values).toHaveLength(129);
    const entries = values.map((v) => {
      const h = new RpmHeader(v.blob);
      return { h, e: rpmEntry(h) };
    });
    const names = entries.map((x) => x.e.name);
    for (const n of ['curl', 'bash', 'rpm', 'mariner-release']) expect(names).toContain(n);
    const { h, e } = entries.find((x) => x.e.name === 'curl')!;
    expect(e).toMatchObject({
      version: '7.76.0',
      release: '6.cm2',
      arch: 'x86_64',
      size: 326023,
      sourceRpm: 'curl-7.76.0-6.cm2.src.rpm',
      license: 'MIT',
      vendor: 'Microsoft Corporation',
      summary: 'An URL retrieval utility and library',
      sigMd5: 'b5f5369ae91df3672fa3338669ec5ca2',
      installTime: 1643279454,
      digestAlgorithm: 'sha256',
    });
    expect(e.epoch).toBeUndefined();
    expect(e.provides).toEqual(['curl', 'curl(x86-64)']);
    expect(e.requires).toHaveLength(21);
    expect(e.requires.slice(0, 3)).toEqual(['/bin/sh', '/sbin/ldconfig', '/sbin/ldconfig']);
    expect(e.requires.filter((r) => r.startsWith('rpmlib('))).toHaveLength(3);
    const files = rpmFiles(h);
    expect(files.map((f) => f.path)).toEqual([
      '/usr/bin/curl',
      '/usr/bin/curl-config',
      '/usr/share/licenses/curl',
      '/usr/share/licenses/curl/COPYING',
      '/usr/share/man/man1/curl-config.1.gz',
      '/usr/share/man/man1/curl.1.gz',
    ]);
    expect(files[0]!.size).toBe(267672);
    expect(files[3]!.flags).toBe(128);
    expect(files[4]!.flags).toBe(2);
    expect(files[5]!.flags).toBe(2);
  });

  it('refuses bytes that are not SQLite', async () => {
    await expect(readSqliteValues(Buffer.from('not sqlite at all, definitely not'))).rejects.toThrow(/not an SQLite 3 database/);
  });
});

describe('blob.bin: a malformed header', () => {
  it('name/epoch/version/release/arch read fine, the file list fails cleanly', () => {
    const h = new RpmHeader(fixture('rpm/blob.bin'));
    const e = rpmEntry(h);
    expect(e).toMatchObject({ name: 'publicsuffix-list-dafsa', version: '20210518', release: '2.fc35', vendor: 'Fedora Project' });
    expect(e.epoch).toBeUndefined();
    expect(e.arch).toBe('noarch');
    expect(() => rpmFiles(h)).toThrow(RpmHeaderError);
    expect(() => rpmFiles(h)).toThrow(/dir index 4 .* past the 4 dir names/);
  });

  it('headers that lie about their sizes are rejected, never read out of bounds', () => {
    const blob = fixture('rpm/blob.bin');
    expect(() => new RpmHeader(blob.subarray(0, 100))).toThrow(/blob has 100/);
    expect(() => new RpmHeader(Buffer.alloc(4))).toThrow(RpmHeaderError);
    const badOffset = Buffer.from(blob);
    badOffset.writeInt32BE(0x7fffffff, 8 + 16 + 8); // second index entry's offset
    expect(() => new RpmHeader(badOffset)).toThrow(/outside the .*data area/);
    const badType = Buffer.from(blob);
    badType.writeUInt32BE(42, 8 + 4);
    expect(() => new RpmHeader(badType)).toThrow(/unknown data type 42/);
  });
});

describe('ndb Packages.db', () => {
  it('reads the header blobs of every used slot', () => {
    const uuid = readBdbValues(fixture('rpm/libuuid/Packages')).values[0]!.blob;
    const dive = readBdbValues(fixture('rpm/syft-dive.Packages')).values[0]!.blob;
    const { values, problems } = readNdbValues(buildNdb([uuid, dive]));
    expect(problems).toEqual([]);
    expect(values.map((v) => rpmEntry(new RpmHeader(v.blob)).name)).toEqual(['libuuid', 'dive']);
  });

  it('a blob whose block does not match its slot is a problem; the rest is read', () => {
    const dive = readBdbValues(fixture('rpm/syft-dive.Packages')).values[0]!.blob;
    const db = buildNdb([dive, dive]);
    // break the second blob's magic
    const slot3 = 3 * 16;
    const blk = db.readUInt32LE(slot3 + 8) * 16;
    db.writeUInt32LE(0xdeadbeef, blk);
    const { values, problems } = readNdbValues(db);
    expect(values).toHaveLength(1);
    expect(problems).toEqual([expect.objectContaining({ message: expect.stringContaining('package 2') })]);
  });
});

/** Lay out an ndb file as rpm's rpmpkg.c does: header, one slot page, 16-byte blocks. */
function buildNdb(blobs: Buffer[]): Buffer {
  const slotPage = Buffer.alloc(4096);
  slotPage.writeUInt32LE(0x506d7052, 0); // RpmP
  slotPage.writeUInt32LE(0, 4); // version
  slotPage.writeUInt32LE(1, 8); // generation
  slotPage.writeUInt32LE(1, 12); // slot pages
  for (let s = 2; s < 256; s++) slotPage.writeUInt32LE(0x746f6c53, s * 16);
  const blocks: Buffer[] = [];
  let blk = 4096 / 16;
  blobs.forEach((blob, i) => {
    const pkg = i + 1;
    const len = 16 + blob.length + 16;
    const nblk = Math.ceil(len / 16);
    const b = Buffer.alloc(nblk * 16);
    b.writeUInt32LE(0x53626c42, 0); // BlbS
    b.writeUInt32LE(pkg, 4);
    b.writeUInt32LE(0, 8);
    b.writeUInt32LE(blob.length, 12);
    blob.copy(b, 16);
    const so = (2 + i) * 16;
    slotPage.writeUInt32LE(pkg, so + 4);
    slotPage.writeUInt32LE(blk, so + 8);
    slotPage.writeUInt32LE(nblk, so + 12);
    blocks.push(b);
    blk += nblk;
  });
  return Buffer.concat([slotPage, ...blocks]);
}

/** Rewrite a little-endian BDB hash file in big-endian byte order (the fields our reader uses). */
function swapBdbEndianness(le: Buffer): Buffer {
  const b = Buffer.from(le);
  const s32 = (o: number) => b.writeUInt32BE(le.readUInt32LE(o), o);
  const s16 = (o: number) => b.writeUInt16BE(le.readUInt16LE(o), o);
  for (const o of [8, 12, 16, 20, 28, 32]) s32(o);
  const pageSize = le.readUInt32LE(20);
  const last = le.readUInt32LE(32);
  for (let pg = 1; pg <= last; pg++) {
    const off = pg * pageSize;
    for (const o of [8, 12, 16]) s32(off + o);
    s16(off + 20);
    s16(off + 22);
    const type = le[off + 25];
    if (type === 13 || type === 2) {
      const n = le.readUInt16LE(off + 20);
      for (let i = 0; i < n; i++) {
        const io = le.readUInt16LE(off + 26 + 2 * i);
        s16(off + 26 + 2 * i);
        if (le[off + io] === 3) {
          s32(off + io + 4);
          s32(off + io + 8);
        }
      }
    }
  }
  return b;
}
