import { describe, expect, it } from 'vitest';
import { redactHeaders, redactText, redactUrl } from './redact.js';
import { parseDiagnostics } from './registry-error.js';
import { parseChallenge, RegistryClient } from './transport.js';

describe('parseChallenge', () => {
  it('reads bearer realm, service and a scope with commas', () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="reg.example",scope="repository:a/b:pull,push"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'reg.example', scope: 'repository:a/b:pull,push' },
    });
    expect(parseChallenge('Basic realm="x"')?.scheme).toBe('basic');
    expect(parseChallenge('')).toBeUndefined();
  });
});

describe('scheme choice', () => {
  it('allows plain HTTP (after HTTPS) only for loopback or an explicit insecure registry', () => {
    expect(new RegistryClient('127.0.0.1:5000').schemes).toEqual(['https', 'http']);
    expect(new RegistryClient('localhost').schemes).toEqual(['https', 'http']);
    expect(new RegistryClient('10.1.2.3:5000').schemes).toEqual(['https']);
    expect(new RegistryClient('10.1.2.3:5000').baseUrl).toBe('https://10.1.2.3:5000');
    expect(new RegistryClient('reg.internal:5000', { insecureRegistries: ['reg.internal:5000'] }).schemes).toEqual(['https', 'http']);
    expect(new RegistryClient('reg.internal:5000', { insecureRegistries: ['reg.internal'] }).schemes).toEqual(['https', 'http']);
    expect(new RegistryClient('reg.internal:5000', { insecureRegistries: ['other.internal'] }).schemes).toEqual(['https']);
  });
});

describe('redaction', () => {
  it('hides credentials in URLs, headers and text', () => {
    const u = redactUrl('https://user:pw@store.example/blob?X-Amz-Signature=abc&digest=sha256:1');
    expect(u).not.toContain('pw');
    expect(u).not.toContain('abc');
    expect(u).toContain('digest=sha256');
    expect(redactHeaders({ Authorization: 'Bearer abc.def', accept: 'x' })).toEqual({ Authorization: 'Bearer REDACTED', accept: 'x' });
    const t = redactText('got Basic dXNlcjpwdw== and {"token":"secret"} and eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig');
    expect(t).not.toMatch(/dXNlcjpwdw|secret|eyJhbGci/);
  });

  it('parses registry errors[] diagnostics', () => {
    expect(parseDiagnostics('{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match"}]}')).toEqual([
      { code: 'DIGEST_INVALID', message: 'provided digest did not match', detail: undefined },
    ]);
    expect(parseDiagnostics('not json')).toEqual([]);
  });
});
