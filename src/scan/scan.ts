// The scan pipeline, as a short list of named steps:
//   read the image (engine, registry, docker-archive or OCI layout) → load the profiles (cheap,
//   and a bad report should fail before minutes of layer reading) → flatten the layers, keeping
//   only the bodies the catalogers want → catalog OS packages → decide reachability → one
//   ScanResult. Nothing is written here; the command encodes and writes the result.
import { stat } from 'node:fs/promises';
import { catalog, wantsContent } from '../catalog/catalog.js';
import { CreachError, UsageError } from '../errors.js';
import { flatten } from '../image/fs/flatten.js';
import type { Gap } from '../image/fs/fs-index.js';
import { platformString, type Platform } from '../image/image.js';
import { readImage } from '../image/ref.js';
import type { OpContext } from '../log.js';
import { load } from '../reach/profile/load.js';
import type { Profile } from '../reach/profile/profile.js';
import { buildResult } from './build.js';
import type { ScanGap, ScanResult } from './result.js';

export interface ScanOptions extends OpContext {
  /** An image reference (engine, registry, or a path with an explicit prefix). */
  image?: string;
  /** A `docker save` tar or an OCI layout tar. */
  imageTar?: string;
  /** os/arch[/variant]; default the host's. */
  platform?: string;
  insecureRegistries?: string[];
  /** Decide reachability from the profiles; without it every package is unknown. */
  osReachability: boolean;
  profilingDataDirs: string[];
  strict?: boolean;
  projectName?: string;
  namespace?: string;
}

export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/i.test(p))) {
    throw new UsageError(`--platform ${JSON.stringify(s)} is not os/arch[/variant]`, { hint: 'for example --platform linux/amd64 or linux/arm64/v8' });
  }
  return { os: parts[0], architecture: parts[1], ...(parts[2] ? { variant: parts[2] } : {}) };
}

function toScanGap(stage: string, g: Gap): ScanGap {
  const where = g.layer !== undefined && !g.location ? `layer ${g.layer}` : g.location;
  return { stage, ...(where ? { where } : {}), message: g.message };
}

/** Milliseconds since `t0`, for the per-step timings logged at debug level. */
const since = (t0: bigint) => Math.round(Number(process.hrtime.bigint() - t0) / 1e6);

export async function scan(opts: ScanOptions): Promise<ScanResult> {
  if (!opts.image === !opts.imageTar) throw new UsageError('give exactly one of --image and --image-tar');
  const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
  let ref = opts.image ?? '';
  if (opts.imageTar) {
    const st = await stat(opts.imageTar).catch(() => undefined);
    if (!st?.isFile()) {
      throw new CreachError('IMAGE_NOT_FOUND', `image tar ${opts.imageTar} ${st ? 'is not a file' : 'does not exist'}`, {
        hint: 'pass a file written by `docker save` or an OCI layout tar',
      });
    }
    ref = opts.imageTar;
  }
  const ctx: OpContext = { log: opts.log, progress: opts.progress, signal: opts.signal };

  // Profiles first: a bad report should fail before the image is exported or downloaded.
  let t = process.hrtime.bigint();
  let profiles: Profile[] | undefined;
  if (opts.osReachability) {
    profiles = await load(opts.profilingDataDirs, ctx);
    opts.log?.info(`read ${profiles.length} profile${profiles.length === 1 ? '' : 's'}`);
  }

  opts.log?.debug(`timing: profiles ${since(t)} ms`);
  t = process.hrtime.bigint();
  const image = await readImage(ref, { ...ctx, insecureRegistries: opts.insecureRegistries, ...(platform ? { platform } : {}) });
  const [configDigest, manifestDigest, config, layers] = await Promise.all([image.configName(), image.digest(), image.configFile(), image.layers()]);
  const labels = config.config?.Labels ?? {};

  opts.log?.debug(`timing: image ${since(t)} ms`);
  t = process.hrtime.bigint();
  const fs = await flatten(image, { ...ctx, capture: wantsContent }).catch((e: unknown) => {
    // Layer errors name the layer and byte; the user also needs to know which image they gave.
    if (e instanceof CreachError && e.code !== 'ABORTED' && !e.message.includes(ref)) {
      throw new CreachError(e.code, `${ref}: ${e.message}`, { hint: e.hint, cause: e });
    }
    throw e;
  });
  opts.log?.debug(`timing: flatten ${since(t)} ms (${fs.size} entries)`);
  t = process.hrtime.bigint();
  const cat = await catalog(fs, ctx);
  opts.log?.debug(`timing: catalog ${since(t)} ms`);
  t = process.hrtime.bigint();
  opts.log?.info(`found ${cat.packages.length} packages${cat.distro ? ` (${cat.distro.prettyName ?? cat.distro.id})` : ''}`);
  // The image has package databases but none could be read: a result would say "no packages"
  // and every output would look clean, so this is an error naming the database, not a gap.
  const dbGap = cat.gaps.find((g) => g.code === 'DB_UNSUPPORTED' || g.code === 'DB_MALFORMED');
  if (cat.packages.length === 0 && dbGap) {
    throw new CreachError(dbGap.code === 'DB_UNSUPPORTED' ? 'DB_UNSUPPORTED' : 'DB_MALFORMED', `${dbGap.location} in ${ref}: ${dbGap.message}`, {
      hint: 'creach reads dpkg (status, status.d), apk (installed) and rpm (sqlite, Berkeley DB, ndb) databases; this one could not be read',
    });
  }

  const platformOfImage = platformString({ os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) });
  const result = buildResult({
    image: {
      reference: opts.image ?? opts.imageTar ?? ref,
      configDigest,
      manifestDigest,
      platform: platformOfImage,
      layers: layers.length,
      ...(labels['io.creach.original.reference'] ? { originalReference: labels['io.creach.original.reference'] } : {}),
      ...(labels['io.creach.original.config-digest'] ? { originalConfigDigest: labels['io.creach.original.config-digest'] } : {}),
    },
    tree: fs,
    ...(cat.distro
      ? {
          distro: {
            id: cat.distro.id,
            ...(cat.distro.versionId ? { versionId: cat.distro.versionId } : {}),
            ...(cat.distro.name ? { name: cat.distro.name } : {}),
            ...(cat.distro.prettyName ? { prettyName: cat.distro.prettyName } : {}),
          },
        }
      : {}),
    packages: cat.packages,
    profiles,
    gaps: [...fs.gaps.map((g) => toScanGap('image', g)), ...cat.gaps.map((g) => toScanGap('catalog', g))],
    strict: opts.strict,
    projectName: opts.projectName,
    namespace: opts.namespace,
    log: opts.log,
  });
  opts.log?.debug(`timing: reachability ${since(t)} ms`);
  return result;
}
