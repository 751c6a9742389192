import { describe, expect, it } from 'vitest';
import { CreachError } from '../../errors.js';
import { formatReference, isLoopbackRegistry, parseReference, referenceIdentifier, tryParseRegistryReference } from './reference.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it('splits host, port, repository and tag', () => {
    expect(parseReference('127.0.0.1:5000/team/app:1.0')).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'team/app',
      tag: '1.0',
      digest: undefined,
      implicitRegistry: false,
    });
  });

  it('defaults the tag to latest and keeps digests', () => {
    expect(parseReference('localhost/app').tag).toBe('latest');
    const r = parseReference(`registry.example:443/a/b@${D}`);
    expect(r.tag).toBeUndefined();
    expect(r.digest).toBe(D);
    expect(referenceIdentifier(r)).toBe(D);
    const both = parseReference(`localhost:5000/a:v1@${D}`);
    expect(both.tag).toBe('v1');
    expect(referenceIdentifier(both)).toBe(D);
    expect(formatReference(both)).toBe(`localhost:5000/a:v1@${D}`);
  });

  it('treats a first component without . or : as a repository path', () => {
    const r = parseReference('team/app:2', 'reg.internal:5000');
    expect(r.registry).toBe('reg.internal:5000');
    expect(r.repository).toBe('team/app');
    expect(r.implicitRegistry).toBe(true);
    expect(parseReference('app', 'reg.internal').repository).toBe('library/app');
  });

  it('refuses a reference without host when no default registry is configured', () => {
    try {
      parseReference('team/app', undefined);
      expect.unreachable();
    } catch (e) {
      expect((e as CreachError).code).toBe('IMAGE_REF_INVALID');
      expect((e as CreachError).message).toContain('team/app');
    }
  });

  it.each(['', 'localhost:5000/UPPER', 'localhost:5000/a:bad tag', 'localhost:5000/a@sha256:xyz', 'localhost:5000/'])(
    'rejects %j with IMAGE_REF_INVALID',
    (ref) => {
      expect(() => parseReference(ref, 'x.example')).toThrow(expect.objectContaining({ code: 'IMAGE_REF_INVALID' }));
    },
  );

  it('accepts IPv6 hosts and docker:// prefixes', () => {
    expect(parseReference('[::1]:5000/a:b').registry).toBe('[::1]:5000');
    expect(parseReference('docker://127.0.0.1:5000/a').repository).toBe('a');
  });
});

describe('isLoopbackRegistry', () => {
  it('recognises loopback hosts only', () => {
    expect(isLoopbackRegistry('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackRegistry('127.8.9.1')).toBe(true);
    expect(isLoopbackRegistry('localhost:5000')).toBe(true);
    expect(isLoopbackRegistry('[::1]:5000')).toBe(true);
    expect(isLoopbackRegistry('10.0.0.1:5000')).toBe(false);
    expect(isLoopbackRegistry('127.example.org')).toBe(false);
  });
});

describe('tryParseRegistryReference', () => {
  it('accepts only references with an explicit host', () => {
    expect(tryParseRegistryReference('127.0.0.1:5000/a:b')?.repository).toBe('a');
    expect(tryParseRegistryReference('app:latest')).toBeUndefined();
    expect(tryParseRegistryReference('./some/file.tar')).toBeUndefined();
  });
});
