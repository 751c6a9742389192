// Flatten an image's layers (base first) into one in-memory FsIndex, as a container runtime
// would see the root filesystem — without extracting anything to disk.
//
// Rules (the OCI image spec's "Applying changesets", as overlayfs-based runtimes implement it):
// - `.wh.<name>` in a layer deletes <name> (and everything below it) of LOWER layers; entries
//   of the same layer are never hidden by it, whatever their order in the tar.
// - `.wh..wh..opq` in a directory hides all lower-layer contents of that directory only;
//   the directory itself and what this layer puts in it stay.
// - A member replaces what was at its path; a directory over a directory merges.
// - Hard links point at their target's entry (size copied from it); symlinks are kept as is.
import { open } from 'node:fs/promises';
import { CreachError } from '../../errors.js';
import { compressionOfBytes } from '../compression.js';
import type { OpContext } from '../../log.js';
import { silentLogger, silentProgress } from '../../log.js';
import type { Image, Layer } from '../image.js';
import { FsIndex, type FsEntry } from './fs-index.js';
import { baseName, normalizePath, parentPath, joinPath } from './image-path.js';
import { memberKind } from '../tar/header.js';
import { TarFormatError, type TarEntry } from '../tar/parser.js';
import { walkTarFile, walkTarStream } from '../tar/walk.js';

export interface FlattenOptions extends OpContext {
  /** Keep the body of every regular file whose normalized path satisfies this. */
  capture?: (path: string) => boolean;
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const AUFS_META = '.wh..wh.';

interface FileRegion {
  path: string;
  offset: number;
  length: number;
}

/** A docker-archive layer stored uncompressed on disk exposes where its tar lies (FileBackedLayer). */
async function fileRegionOf(layer: Layer): Promise<FileRegion | undefined> {
  const f = (layer as { file?: unknown }).file;
  const v = typeof f === 'function' ? await (f as () => unknown).call(layer) : f;
  if (v && typeof v === 'object') {
    const r = v as Partial<FileRegion>;
    if (typeof r.path === 'string' && typeof r.offset === 'number' && typeof r.length === 'number') {
      // Only a plain tar can be walked by seeking; a compressed blob goes through the stream path.
      const head = Buffer.alloc(4);
      const fh = await open(r.path, 'r');
      try {
        await fh.read(head, 0, 4, r.offset);
      } finally {
        await fh.close();
      }
      if (compressionOfBytes(head) !== 'none') return undefined;
      return { path: r.path, offset: r.offset, length: r.length };
    }
  }
  return undefined;
}

/** One filesystem member of a layer's tar; a hard link's linkTarget is still as stored (not normalized). */
type TarMember = Omit<FsEntry, 'layer'>;

interface LayerChanges {
  members: { m: TarMember; body?: Buffer }[];
  whiteouts: string[];
  opaques: string[];
}

export async function flatten(image: Image, opts: FlattenOptions = {}): Promise<FsIndex> {
  const log = opts.log ?? silentLogger;
  const progress = opts.progress ?? silentProgress;
  const capture = opts.capture ?? (() => false);
  const fs = new FsIndex();
  const layers = await image.layers();
  progress({ phase: 'flatten', done: 0, total: layers.length, unit: 'items' });
  for (let i = 0; i < layers.length; i++) {
    if (opts.signal?.aborted) throw aborted();
    const layer = layers[i]!;
    const changes = await readLayer(layer, i, capture, fs, opts.signal);
    applyLayer(fs, changes, i, capture);
    log.debug(`flatten: layer ${i} applied: ${changes.members.length} members, ${changes.whiteouts.length} whiteouts, ${changes.opaques.length} opaque dirs`);
    progress({ phase: 'flatten', done: i + 1, total: layers.length, unit: 'items' });
  }
  return fs;
}

function aborted(): CreachError {
  return new CreachError('ABORTED', 'flattening the image was cancelled');
}

async function readLayer(layer: Layer, index: number, capture: (p: string) => boolean, fs: FsIndex, signal?: AbortSignal): Promise<LayerChanges> {
  const changes: LayerChanges = { members: [], whiteouts: [], opaques: [] };
  const visit = (m: TarMember, body?: Buffer): void => {
    const name = baseName(m.path);
    if (name === OPAQUE) {
      changes.opaques.push(parentPath(m.path));
      return;
    }
    // AUFS bookkeeping (.wh..wh.plnk, .wh..wh.aufs, .wh..wh.orph): never part of the filesystem.
    if (name.startsWith(AUFS_META) || m.path.includes(`/${AUFS_META}`)) return;
    if (name.startsWith(WHITEOUT)) {
      changes.whiteouts.push(joinPath(parentPath(m.path), name.slice(WHITEOUT.length)));
      return;
    }
    changes.members.push(body ? { m, body } : { m });
  };
  // Capture never applies to whiteout markers.
  const cap = (p: string): boolean => !baseName(p).startsWith(WHITEOUT) && capture(p);
  const entry = (e: TarEntry) => {
    const type = memberKind(e.flag);
    if (!type) {
      fs.addGap({ location: `layer ${index}:${e.name}`, layer: index, message: `tar member of unsupported type ${JSON.stringify(e.flag)} was not indexed` });
      return {};
    }
    const m: TarMember = { path: normalizePath(e.name), type, size: type === 'file' ? e.size : 0, mode: e.mode & 0o7777, uid: e.uid, gid: e.gid };
    if (type === 'symlink' || type === 'hardlink') m.linkTarget = e.linkname;
    return type === 'file' && cap(m.path) ? { capture: true, done: (body?: Buffer) => visit(m, body) } : { done: () => visit(m) };
  };
  const region = await fileRegionOf(layer);
  try {
    // A layer may be an empty tar (only its end blocks).
    if (region) await walkTarFile(region, entry, { signal, emptyOk: true });
    else await walkTarStream(await layer.uncompressed(), entry, { signal, emptyOk: true });
  } catch (e) {
    if (signal?.aborted) throw aborted();
    const digest = await layer.digest().catch(() => 'unknown digest');
    // Errors from the source (decompression, download) gain the layer number and digest here.
    if (e instanceof CreachError) {
      if (e.code === 'ABORTED') throw e;
      throw new CreachError(e.code, `layer ${index} (${digest}): ${e.message}`, { hint: e.hint, cause: e });
    }
    if (e instanceof TarFormatError) {
      const code = e.kind === 'truncated' ? 'TAR_TRUNCATED' : 'LAYER_FORMAT';
      throw new CreachError(code, `layer ${index} (${digest}) ${e.kind === 'truncated' ? 'is truncated' : 'is not a valid tar'} at byte ${e.offset}: ${e.message}`, {
        hint: e.kind === 'truncated' ? 'the image file or download is incomplete; save or pull the image again' : 'the layer is corrupt or in an unsupported format; rebuild or re-pull the image',
        cause: e,
      });
    }
    throw new CreachError('LAYER_FORMAT', `layer ${index} (${digest}) could not be read: ${(e as Error)?.message ?? String(e)}`, {
      hint: 'the layer is corrupt or in an unsupported format; rebuild or re-pull the image',
      cause: e,
    });
  }
  return changes;
}

function applyLayer(fs: FsIndex, changes: LayerChanges, layer: number, capture: (p: string) => boolean): void {
  // Whiteouts first: they only ever concern lower layers, and at this point fs holds exactly those.
  for (const dir of changes.opaques) fs.removeChildren(dir);
  for (const p of changes.whiteouts) fs.remove(p);
  for (const { m, body } of changes.members) {
    const entry: FsEntry = { path: m.path, type: m.type, size: m.size, mode: m.mode, uid: m.uid, gid: m.gid, layer };
    if (m.type === 'symlink') entry.linkTarget = m.linkTarget ?? '';
    if (m.type === 'hardlink') {
      const target = normalizePath(m.linkTarget ?? '');
      const t = fs.get(target);
      // Point every link of a group at the one regular file, so content() needs one hop.
      entry.linkTarget = t?.type === 'hardlink' && t.linkTarget ? t.linkTarget : target;
      if (t && (t.type === 'file' || t.type === 'hardlink')) {
        entry.size = t.size;
        entry.mode = t.mode;
      } else {
        fs.addGap({ location: m.path, layer, message: `hard link to ${target}, which is not a file in the image` });
      }
      if (capture(m.path) && !fs.hasBody(entry.linkTarget)) {
        // A wanted file (say a package DB) stored as a hard link to a file nobody asked to keep.
        fs.addGap({ location: m.path, layer, message: `hard link to ${entry.linkTarget}, whose content was not kept; ${m.path} cannot be read` });
      }
    }
    fs.put(entry, body);
  }
}
