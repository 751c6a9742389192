// Which platforms to instrument, and the new index. Attestation manifests are dropped: they
// describe (and point at) the original manifests, which the new index no longer holds.
import { CreachError } from '../errors.js';
import type { Descriptor, Image, ImageIndex, IndexManifest, Platform } from '../image/image.js';
import { MediaType, platformString } from '../image/image.js';
import { sha256 } from '../image/digest.js';

export const SUPPORTED_ARCHITECTURES = ['amd64', 'arm64'];
const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', amd64: 'amd64', aarch64: 'arm64', arm64: 'arm64' };

/** Parse `linux/amd64,linux/arm64` (variants like linux/arm64/v8 accepted). */
export function parsePlatforms(spec: string): Platform[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [os, a, variant] = s.split('/');
      const architecture = ARCH_ALIASES[a ?? ''];
      if (os !== 'linux' || !architecture) {
        throw new CreachError('PLATFORM_UNKNOWN', `unknown platform ${s}`, { hint: 'creach instruments linux/amd64 and linux/arm64' });
      }
      return variant ? { os, architecture, variant } : { os, architecture };
    });
}

export function isAttestation(d: Descriptor): boolean {
  return d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' || d.platform?.os === 'unknown';
}

function samePlatform(have: Platform | undefined, want: Platform): boolean {
  if (!have) return false;
  if (have.os !== want.os || ARCH_ALIASES[have.architecture] !== want.architecture) return false;
  return !want.variant || !have.variant || have.variant === want.variant;
}

export interface Selected {
  descriptor: Descriptor;
  platform: Platform;
}

/** The index's manifests to instrument: the wanted platforms, or every supported one. */
export function selectPlatforms(index: IndexManifest, where: string, wanted?: Platform[], warn?: (m: string) => void): Selected[] {
  const candidates = index.manifests.filter((d) => !isAttestation(d) && d.platform);
  if (wanted?.length) {
    return wanted.map((w) => {
      const d = candidates.find((c) => samePlatform(c.platform, w));
      if (!d) {
        throw new CreachError('PLATFORM_NOT_IN_IMAGE', `${where} has no ${platformString(w)} image`, {
          hint: `platforms in it: ${candidates.map((c) => platformString(c.platform!)).join(', ') || 'none'}`,
        });
      }
      return { descriptor: d, platform: d.platform! };
    });
  }
  const out: Selected[] = [];
  for (const d of candidates) {
    if (SUPPORTED_ARCHITECTURES.includes(ARCH_ALIASES[d.platform!.architecture] ?? '') && d.platform!.os === 'linux') out.push({ descriptor: d, platform: d.platform! });
    else warn?.(`${where}: ${platformString(d.platform!)} is left out (no sensor for it)`);
  }
  if (out.length === 0) {
    throw new CreachError('PLATFORM_NOT_IN_IMAGE', `${where} has no linux/amd64 or linux/arm64 image`, { hint: 'creach instruments linux/amd64 and linux/arm64' });
  }
  return out;
}

/** Check a single image's platform against the wanted ones. */
export function checkImagePlatform(platform: Platform, where: string, wanted?: Platform[]): void {
  for (const w of wanted ?? []) {
    if (!samePlatform(platform, w)) {
      throw new CreachError('PLATFORM_NOT_IN_IMAGE', `${where} is a single ${platformString(platform)} image, not ${platformString(w)}`, {
        hint: `drop --platform or pass --platform ${platformString(platform)}`,
      });
    }
  }
  if (!SUPPORTED_ARCHITECTURES.includes(ARCH_ALIASES[platform.architecture] ?? '') || platform.os !== 'linux') {
    throw new CreachError('PLATFORM_UNKNOWN', `${where} is a ${platformString(platform)} image; creach has no sensor for it`, { hint: 'creach instruments linux/amd64 and linux/arm64' });
  }
}

/** A new index holding `images` (attestations and unselected platforms are gone). */
export async function rebuildIndex(base: ImageIndex, images: { image: Image; platform: Platform }[]): Promise<ImageIndex> {
  const baseIndex = await base.indexManifest();
  const manifests: Descriptor[] = [];
  for (const { image, platform } of images) {
    const raw = await image.rawManifest();
    manifests.push({ mediaType: await image.mediaType(), digest: await image.digest(), size: raw.length, platform });
  }
  const index: IndexManifest = { schemaVersion: 2, mediaType: baseIndex.mediaType ?? MediaType.OCI_INDEX, manifests };
  if (baseIndex.annotations) index.annotations = { ...baseIndex.annotations };
  const raw = Buffer.from(JSON.stringify(index));
  const byDigest = new Map<string, Image>();
  for (const { image } of images) byDigest.set(await image.digest(), image);
  const self: ImageIndex = {
    mediaType: async () => index.mediaType!,
    digest: async () => sha256(raw),
    rawManifest: async () => raw,
    indexManifest: async () => index,
    image: async (digest) => {
      const im = byDigest.get(digest);
      if (!im) throw new CreachError('IMAGE_FORMAT', `index has no image ${digest}`);
      return im;
    },
    imageIndex: async (digest) => {
      throw new CreachError('IMAGE_FORMAT', `index has no nested index ${digest}`);
    },
  };
  return self;
}
