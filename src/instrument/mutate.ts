// A mutation wraps an image and never edits it (after go-containerregistry's mutate): the new
// config and manifest are computed once from deep copies, and the base layers pass through as
// the very same objects, so sinks copy them as stored and registries can skip or mount them.
import { sha256 } from '../image/digest.js';
import type { ConfigFile, Descriptor, Image, Layer, Manifest } from '../image/image.js';
import { CreachError } from '../errors.js';
import { imageFromParts } from '../image/partial.js';

export interface Mutation {
  /** Layers appended on top of the base. */
  append: Layer[];
  /** The new config, from a copy of the base's (rootfs.diff_ids already extended is the caller's job). */
  config: (base: ConfigFile) => ConfigFile | Promise<ConfigFile>;
}

export async function mutate(base: Image, change: Mutation): Promise<Image> {
  const baseManifest = await base.manifest();
  const baseConfig = await base.configFile();
  const config = await change.config(structuredClone(baseConfig));
  const rawConfig = Buffer.from(JSON.stringify(config));
  const added: Descriptor[] = [];
  for (const l of change.append) added.push({ mediaType: await l.mediaType(), digest: await l.digest(), size: await l.size() });
  const manifest: Manifest = structuredClone(baseManifest);
  manifest.config = { ...manifest.config, digest: sha256(rawConfig), size: rawConfig.length };
  manifest.layers = [...manifest.layers, ...added];
  const rawManifest = Buffer.from(JSON.stringify(manifest));
  const layers = [...(await base.layers()), ...change.append];
  if ((config.rootfs?.diff_ids ?? []).length !== layers.length) {
    throw new CreachError('IMAGE_FORMAT', `mutated config lists ${config.rootfs?.diff_ids?.length ?? 0} diff_ids for ${layers.length} layers`);
  }
  return imageFromParts({ mediaType: await base.mediaType(), rawManifest, manifest, rawConfig, config, layers });
}
