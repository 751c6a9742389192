// Real layer tars and images for the fs tests (not a mock: tar-stream writes genuine tars, and
// the image goes through partial.ts like every source's). Also raw GNU records that tar-stream
// does not write ('L'/'K' long names, base-256 sizes) so the positional walker is tested on them.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { sha256 } from '../digest.js';
import type { Image } from '../image.js';
import { MediaType } from '../image.js';
import { imageFromCore } from '../partial.js';

export interface TestMember {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo';
  body?: string | Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

export async function layerTar(members: TestMember[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const m of members) {
    const body = m.body === undefined ? undefined : Buffer.isBuffer(m.body) ? m.body : Buffer.from(m.body);
    const type = m.type ?? 'file';
    const header: Partial<tar.Header> & { name: string } = { name: m.name, type, mode: m.mode ?? (type === 'directory' ? 0o755 : 0o644), uid: m.uid ?? 0, gid: m.gid ?? 0 };
    if (m.linkname !== undefined) header.linkname = m.linkname;
    if (type === 'file') header.size = body?.length ?? 0;
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (type === 'file') pack.entry(header, body ?? Buffer.alloc(0), cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** One raw ustar/GNU header block (checksum filled in). */
export function rawHeader(f: { name: string; typeflag: string; size?: number; linkname?: string; mode?: number; base256Size?: boolean; gnu?: boolean }): Buffer {
  const b = Buffer.alloc(512);
  b.write(f.name.slice(0, 100), 0, 'utf8');
  b.write(((f.mode ?? 0o644).toString(8).padStart(7, '0')) + '\0', 100, 'latin1');
  b.write('0000000\0', 108, 'latin1');
  b.write('0000000\0', 116, 'latin1');
  const size = f.size ?? 0;
  if (f.base256Size) {
    b[124] = 0x80;
    let v = size;
    for (let i = 135; i > 124; i--) {
      b[i] = v % 256;
      v = Math.floor(v / 256);
    }
  } else b.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  b.write('00000000000\0', 136, 'latin1');
  b.write(f.typeflag, 156, 'latin1');
  if (f.linkname) b.write(f.linkname.slice(0, 100), 157, 'utf8');
  b.write(f.gnu ? 'ustar  \0' : 'ustar\x0000', 257, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += b[i]!;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return b;
}

export function padded(body: Buffer): Buffer {
  const pad = (512 - (body.length % 512)) % 512;
  return Buffer.concat([body, Buffer.alloc(pad)]);
}

export interface ImageOfOptions {
  /** Store layers gzip'd (stream path). */
  gzip?: boolean;
  /** Expose each layer's uncompressed tar as a region of one file on disk (docker-save path). */
  fileBacked?: boolean;
  /** Damage a stored blob after compression (e.g. cut a gzip stream short). */
  damageBlob?: (blob: Buffer, index: number) => Buffer;
}

export async function imageOf(layers: Buffer[], opts: ImageOfOptions = {}): Promise<Image> {
  const blobs = layers.map((l, i) => {
    const b = opts.gzip ? gzipSync(l) : l;
    return opts.damageBlob ? opts.damageBlob(b, i) : b;
  });
  const byDigest = new Map(blobs.map((b) => [sha256(b), b]));
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l)) } }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OCI_MANIFEST,
      config: { mediaType: MediaType.OCI_CONFIG, digest: sha256(config), size: config.length },
      layers: blobs.map((b) => ({ mediaType: opts.gzip ? MediaType.OCI_LAYER_GZIP : MediaType.OCI_LAYER, digest: sha256(b), size: b.length })),
    }),
  );
  const regions = new Map<string, { path: string; offset: number; length: number }>();
  if (opts.fileBacked) {
    // Like a docker save tar: layer tars one after another inside a bigger file, at odd offsets.
    const dir = await mkdtemp(join(tmpdir(), 'creach-test-fs-'));
    const file = join(dir, 'image.tar');
    const parts: Buffer[] = [];
    let offset = 0;
    // (With gzip too, the stored blob lies there: a source may expose a region that is not a plain tar.)
    for (const b of blobs) {
      parts.push(Buffer.alloc(1536, 0xaa));
      offset += 1536;
      regions.set(sha256(b), { path: file, offset, length: b.length });
      parts.push(b);
      offset += b.length;
    }
    parts.push(Buffer.alloc(1024, 0xbb));
    await writeFile(file, Buffer.concat(parts));
  }
  return imageFromCore({
    rawManifest: async () => manifest,
    rawConfigFile: async () => config,
    blob: async (d) => Readable.from([byDigest.get(d) ?? Buffer.alloc(0)]),
    ...(opts.fileBacked ? { layerFile: async (d: string) => regions.get(d) } : {}),
  });
}
