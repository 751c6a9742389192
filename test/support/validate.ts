// assertValidImage (after go-containerregistry's validate.Image): every digest and size an
// image claims is recomputed from the bytes its streams give. Run it on everything a source
// produces and everything a sink reads back.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { isIndexMediaType, type Image, type ImageIndex, type ImageOrIndex } from '../../src/image/image.js';

async function hashStream(s: Readable): Promise<{ digest: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const c of s) {
    h.update(c as Buffer);
    size += (c as Buffer).length;
  }
  return { digest: `sha256:${h.digest('hex')}`, size };
}

function sha(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

function check(cond: boolean, msg: string): void {
  if (!cond) throw new Error(`invalid image: ${msg}`);
}

export interface ValidateOptions {
  /** Skip re-reading layer bytes (for very large images where only metadata is under test). */
  skipLayerBytes?: boolean;
}

/** Throws with a message naming the first inconsistency found. */
export async function assertValidImage(image: Image, opts: ValidateOptions = {}): Promise<void> {
  const rawManifest = await image.rawManifest();
  check((await image.digest()) === sha(rawManifest), `digest() ${await image.digest()} != sha256(rawManifest) ${sha(rawManifest)}`);
  const manifest = await image.manifest();
  check(JSON.stringify(manifest) === JSON.stringify(JSON.parse(rawManifest.toString('utf8'))), 'manifest() differs from rawManifest()');
  check(manifest.schemaVersion === 2, `schemaVersion ${manifest.schemaVersion}`);
  const mt = await image.mediaType();
  check(manifest.mediaType === undefined || manifest.mediaType === mt, `mediaType() ${mt} != manifest.mediaType ${manifest.mediaType}`);

  const rawConfig = await image.rawConfigFile();
  check((await image.configName()) === sha(rawConfig), 'configName() != sha256(rawConfigFile)');
  check(manifest.config.digest === sha(rawConfig), `manifest config digest ${manifest.config.digest} != sha256(config) ${sha(rawConfig)}`);
  check(manifest.config.size === rawConfig.length, `manifest config size ${manifest.config.size} != ${rawConfig.length}`);
  const config = await image.configFile();
  check(JSON.stringify(config) === JSON.stringify(JSON.parse(rawConfig.toString('utf8'))), 'configFile() differs from rawConfigFile()');
  check(typeof config.os === 'string' && typeof config.architecture === 'string', 'config lacks os/architecture');

  const layers = await image.layers();
  const diffIds = config.rootfs?.diff_ids ?? [];
  check(config.rootfs?.type === 'layers', `rootfs.type ${config.rootfs?.type}`);
  check(layers.length === manifest.layers.length, `${layers.length} layers but manifest lists ${manifest.layers.length}`);
  check(diffIds.length === layers.length, `${diffIds.length} diff_ids but ${layers.length} layers`);
  if (config.history) {
    const nonEmpty = config.history.filter((h) => !h.empty_layer).length;
    check(nonEmpty === layers.length, `history has ${nonEmpty} non-empty entries for ${layers.length} layers`);
  }
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    const d = manifest.layers[i];
    check((await l.digest()) === d.digest, `layer ${i} digest() ${await l.digest()} != manifest ${d.digest}`);
    check((await l.size()) === d.size, `layer ${i} size() ${await l.size()} != manifest ${d.size}`);
    check((await l.mediaType()) === d.mediaType, `layer ${i} mediaType() != manifest`);
    check((await l.diffId()) === diffIds[i], `layer ${i} diffId() ${await l.diffId()} != config ${diffIds[i]}`);
    if (opts.skipLayerBytes) continue;
    const c = await hashStream(await l.compressed());
    check(c.digest === d.digest, `layer ${i} compressed bytes hash to ${c.digest}, manifest says ${d.digest}`);
    check(c.size === d.size, `layer ${i} compressed size ${c.size}, manifest says ${d.size}`);
    const u = await hashStream(await l.uncompressed());
    check(u.digest === diffIds[i], `layer ${i} uncompressed bytes hash to ${u.digest}, diff_id is ${diffIds[i]}`);
    check((await image.layerByDigest(d.digest)) !== undefined, `layerByDigest(${d.digest}) failed`);
  }
}

export async function assertValidIndex(index: ImageIndex, opts: ValidateOptions = {}): Promise<void> {
  const raw = await index.rawManifest();
  check((await index.digest()) === sha(raw), 'index digest() != sha256(rawManifest)');
  const im = await index.indexManifest();
  check(Array.isArray(im.manifests), 'index has no manifests');
  for (const d of im.manifests) {
    if (isIndexMediaType(d.mediaType)) {
      const child = await index.imageIndex(d.digest);
      check((await child.digest()) === d.digest, `child index digest mismatch ${d.digest}`);
      await assertValidIndex(child, opts);
    } else {
      const child = await index.image(d.digest);
      check((await child.digest()) === d.digest, `child image digest ${await child.digest()} != descriptor ${d.digest}`);
      check((await child.rawManifest()).length === d.size, `child ${d.digest} size != descriptor size ${d.size}`);
      if (d.platform) {
        const cfg = await child.configFile();
        check(cfg.os === d.platform.os && cfg.architecture === d.platform.architecture, `child ${d.digest} config platform ${cfg.os}/${cfg.architecture} != descriptor ${d.platform.os}/${d.platform.architecture}`);
      }
      await assertValidImage(child, opts);
    }
  }
}

export async function assertValid(what: ImageOrIndex, opts: ValidateOptions = {}): Promise<void> {
  if (what.kind === 'image') await assertValidImage(what.image, opts);
  else await assertValidIndex(what.index, opts);
}
