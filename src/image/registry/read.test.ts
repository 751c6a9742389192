import { describe, expect, it } from 'vitest';
import { checkDigestForm, MANIFEST_ACCEPT } from './read.js';

describe('checkDigestForm', () => {
  it('accepts digests and refuses path tricks from untrusted manifests', () => {
    expect(() => checkDigestForm(`sha256:${'a'.repeat(64)}`, 'x')).not.toThrow();
    expect(() => checkDigestForm(`sha512:${'b'.repeat(128)}`, 'x')).not.toThrow();
    for (const bad of ['sha256:../../v2/_catalog', `sha256:${'a'.repeat(64)}/../x`, 'latest', '', `sha256:${'a'.repeat(10)}?x=1`]) {
      expect(() => checkDigestForm(bad, 'manifest m')).toThrow(expect.objectContaining({ code: 'IMAGE_FORMAT' }));
    }
  });
});

describe('MANIFEST_ACCEPT', () => {
  it('asks for OCI and Docker v2 indexes and manifests', () => {
    for (const t of ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json']) {
      expect(MANIFEST_ACCEPT).toContain(t);
    }
  });
});
