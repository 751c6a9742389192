// Images and layers read from a registry remember where they came from, so that a later write
// to the same registry can mount their blobs across repositories instead of moving the bytes.
// A WeakMap keeps the model types clean: wrappers that pass a layer through untouched keep it.
import type { Image, ImageIndex, Layer } from '../image.js';

export interface RegistrySource {
  registry: string;
  repository: string;
}

const sources = new WeakMap<object, RegistrySource>();

export function markRegistrySource(what: Image | ImageIndex | Layer, source: RegistrySource): void {
  sources.set(what, source);
}

/** Where a layer, image or index was read from, if it came from a registry. */
export function registrySourceOf(what: Image | ImageIndex | Layer): RegistrySource | undefined {
  return sources.get(what);
}
