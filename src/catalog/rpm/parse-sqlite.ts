// rpm ≥ 4.16's rpmdb.sqlite: table Packages(hnum, blob), one header blob per row. SQLite only
// opens files, so the captured bytes go to a private temp file first. Images ship it in WAL
// mode without the -wal/-shm files (rpm checkpoints before closing), and opening a WAL
// database read-only would still want to create -shm: on our private copy we set the header's
// read/write versions (bytes 18, 19) back to rollback mode, which is exactly "immutable" here.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { DbValue } from './parse-bdb.js';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export class SqliteDbError extends Error {}

export function isSqlite(buf: Buffer): boolean {
  return buf.length >= 16 && buf.subarray(0, 16).equals(SQLITE_MAGIC);
}

export async function readSqliteValues(bytes: Buffer): Promise<DbValue[]> {
  if (!isSqlite(bytes)) throw new SqliteDbError('not an SQLite 3 database (bad header)');
  const copy = Buffer.from(bytes);
  if (copy.length >= 20) {
    if (copy[18] === 2) copy[18] = 1;
    if (copy[19] === 2) copy[19] = 1;
  }
  const dir = await mkdtemp(join(tmpdir(), 'creach-rpmdb-'));
  try {
    const file = join(dir, 'rpmdb.sqlite');
    await writeFile(file, copy, { mode: 0o600 });
    let db: Database.Database;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
    } catch (e) {
      throw new SqliteDbError(`cannot open as SQLite: ${(e as Error).message}`);
    }
    try {
      const rows = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').all() as { hnum: number; blob: Buffer | null }[];
      return rows.filter((r) => r.blob).map((r) => ({ blob: r.blob as Buffer, offset: r.hnum }));
    } catch (e) {
      throw new SqliteDbError(`cannot read the Packages table: ${(e as Error).message}`);
    } finally {
      db.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
