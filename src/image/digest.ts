import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { CreachError } from '../errors.js';

export function sha256(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Digest and byte count of a whole stream, consuming it. */
export async function sha256Stream(stream: Readable): Promise<{ digest: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: `sha256:${h.digest('hex')}`, size };
}

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isDigest(s: string): boolean {
  return DIGEST_RE.test(s);
}

/** The hex part of a sha256 digest, after checking its form (digests become file names). */
export function digestHex(digest: string): string {
  if (!DIGEST_RE.test(digest)) {
    throw new CreachError('IMAGE_FORMAT', `not a sha256 digest: ${JSON.stringify(digest).slice(0, 100)}`, {
      hint: 'the image metadata is malformed; re-export or re-pull the image',
    });
  }
  return digest.slice('sha256:'.length);
}
