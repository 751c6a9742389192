// instrument = resolve where the sensor goes + build its layer + rewrite the config, per
// platform; the command does the reading and writing around it.
import type { Image, ImageOrIndex, Platform } from '../image/image.js';
import { isDigest } from '../image/digest.js';
import type { OpContext } from '../log.js';
import { rewriteConfig, type SensorSettings } from './config.js';
import { mutate } from './mutate.js';
import { checkImagePlatform, rebuildIndex, selectPlatforms } from './platforms.js';
import { checkSensor, resolvePlacement, sensorLayer } from './sensor-layer.js';

export interface InstrumentOptions extends OpContext {
  /** The reference the user passed (recorded in labels and passed to the sensor). */
  reference: string;
  /** The sensor binary for a platform (with a name for messages). */
  sensor: (platform: Platform) => Promise<{ binary: Buffer; where: string }>;
  settings?: SensorSettings;
  entrypoint?: string[];
  cmd?: string[];
  platforms?: Platform[];
  /** False when the source's manifest digest is synthesised (legacy docker save, engine export). */
  manifestDigestKnown?: boolean;
  /** Timestamp for the history entry and the layer's files (default SOURCE_DATE_EPOCH or now). */
  created?: Date;
}

function createdAt(opts: InstrumentOptions): Date {
  if (opts.created) return opts.created;
  const epoch = process.env.SOURCE_DATE_EPOCH;
  return epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
}

/** Instrument one image for its platform. */
export async function instrumentImage(base: Image, platform: Platform, opts: InstrumentOptions): Promise<Image> {
  const { binary, where } = await opts.sensor(platform);
  checkSensor(binary, platform, where);
  const placement = await resolvePlacement(base, opts);
  const when = createdAt(opts);
  const manifestType = await base.mediaType();
  const layer = await sensorLayer({
    sensor: binary,
    placement,
    mtime: Math.floor(when.getTime() / 1000),
    family: manifestType.includes('docker') ? 'docker' : 'oci',
  });
  const configDigest = await base.configName();
  const manifestDigest = opts.manifestDigestKnown === false ? undefined : await base.digest();
  const diffId = await layer.diffId();
  return mutate(base, {
    append: [layer],
    config: (cfg) =>
      rewriteConfig(cfg, {
        reference: opts.reference,
        configDigest,
        manifestDigest: manifestDigest && isDigest(manifestDigest) ? manifestDigest : undefined,
        settings: opts.settings ?? {},
        entrypoint: opts.entrypoint,
        cmd: opts.cmd,
        diffId,
        created: when.toISOString(),
      }),
  });
}

/** Instrument a single image or every selected platform of an index. */
export async function instrument(src: ImageOrIndex, opts: InstrumentOptions): Promise<ImageOrIndex> {
  if (src.kind === 'image') {
    const cfg = await src.image.configFile();
    const platform: Platform = { os: cfg.os, architecture: cfg.architecture, ...(cfg.variant ? { variant: cfg.variant } : {}) };
    checkImagePlatform(platform, opts.reference, opts.platforms);
    return { kind: 'image', image: await instrumentImage(src.image, platform, opts) };
  }
  const selected = selectPlatforms(await src.index.indexManifest(), opts.reference, opts.platforms, opts.log?.warn.bind(opts.log));
  const images: { image: Image; platform: Platform }[] = [];
  for (const s of selected) {
    opts.log?.debug(`instrumenting ${s.platform.os}/${s.platform.architecture} (${s.descriptor.digest})`);
    const base = await src.index.image(s.descriptor.digest);
    images.push({ image: await instrumentImage(base, s.platform, opts), platform: s.platform });
  }
  return { kind: 'index', index: await rebuildIndex(src.index, images) };
}
