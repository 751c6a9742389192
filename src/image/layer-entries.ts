// The entries (names, types, link targets) of a layer's tar, without its bodies. A layer stored
// uncompressed in a file is walked by positioned reads over its headers; any other layer is
// streamed (decompressed) through the incremental parser, bodies only counted.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CreachError } from '../errors.js';
import type { Layer } from './image.js';
import type { FileBackedLayer } from './partial.js';
import { cleanName, entryType, type EntryType } from './tar/header.js';
import { TarFormatError, type TarEntry } from './tar/parser.js';
import { walkTarFile, walkTarStream } from './tar/walk.js';

export interface LayerEntry {
  name: string;
  type: EntryType;
  linkname: string;
}

/** A layer that already knows its entries (e.g. seen while it streamed through a rewrite). */
export interface ListedLayer extends Layer {
  entries?(): Promise<LayerEntry[]>;
}

export async function layerEntries(layer: Layer, signal?: AbortSignal): Promise<LayerEntry[]> {
  const listed = layer as ListedLayer;
  if (listed.entries) return listed.entries();
  const out: LayerEntry[] = [];
  const file = (layer as FileBackedLayer).file;
  const entry = (e: TarEntry) => {
    out.push({ name: cleanName(e.name), type: entryType(e.flag), linkname: e.linkname });
    return {};
  };
  try {
    // A layer with no entries (just the two end blocks) is valid and common: builders emit one
    // for instructions that change no file.
    if (file) await walkTarFile(file, entry, { signal, emptyOk: true });
    // drain: a registry layer's digest is checked when its last byte has streamed; the listing
    // (cached per diffID by layerSkeleton) must not be returned before that check has passed.
    else await walkTarStream(await layer.uncompressed(), entry, { signal, emptyOk: true, drain: true });
    return out;
  } catch (e) {
    if (e instanceof TarFormatError) {
      throw new CreachError(e.kind === 'truncated' ? 'TAR_TRUNCATED' : 'LAYER_FORMAT', `layer ${await layer.digest()}: ${e.message}`, {
        hint: 'the layer is corrupt; re-export or re-pull the image',
        cause: e,
      });
    }
    throw e;
  }
}

/**
 * A layer's skeleton: every symlink and whiteout, plus other entries at most three levels deep.
 * It answers "is this path a symlink, and where to?" the way a full listing would, and is small
 * enough to cache per diffID on disk, so that instrumenting a second image on the same base
 * layers does not decompress them again.
 */
export async function layerSkeleton(layer: Layer, opts: { signal?: AbortSignal; cacheDir?: string } = {}): Promise<LayerEntry[]> {
  const diffId = await layer.diffId();
  const dir = opts.cacheDir ?? skeletonCacheDir();
  const file = dir && /^sha256:[a-f0-9]{64}$/.test(diffId) ? join(dir, `${diffId.slice(7)}.json`) : undefined;
  if (file) {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as LayerEntry[];
    } catch {
      // not cached yet (or unreadable): list the layer
    }
  }
  const skeleton = (await layerEntries(layer, opts.signal)).filter(
    (e) => e.type === 'symlink' || e.name.split('/').pop()!.startsWith('.wh.') || e.name.split('/').length <= 3,
  );
  if (file) {
    try {
      await mkdir(dir!, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(skeleton));
      await rename(tmp, file);
    } catch {
      // a cache that cannot be written only costs time
    }
  }
  return skeleton;
}

function skeletonCacheDir(): string | undefined {
  if (process.env.CREACH_CACHE_DIR === '') return undefined;
  const base = process.env.CREACH_CACHE_DIR || (process.env.XDG_CACHE_HOME ? join(process.env.XDG_CACHE_HOME, 'creach') : join(homedir(), '.cache', 'creach'));
  return join(base, 'layer-skeletons');
}
