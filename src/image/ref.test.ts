import { describe, expect, it } from 'vitest';
import { hasRegistryHost, instrumentedName } from './ref.js';

describe('instrumentedName', () => {
  it('appends -instrumented to the tag', () => {
    expect(instrumentedName('web')).toBe('web:latest-instrumented');
    expect(instrumentedName('web:1.4')).toBe('web:1.4-instrumented');
    expect(instrumentedName('127.0.0.1:5000/team/web:1.4')).toBe('127.0.0.1:5000/team/web:1.4-instrumented');
    expect(instrumentedName('127.0.0.1:5000/team/web')).toBe('127.0.0.1:5000/team/web:latest-instrumented');
    expect(instrumentedName(`web@sha256:${'a'.repeat(64)}`)).toBe('web:latest-instrumented');
  });
  it('knows a registry host when it sees one', () => {
    expect(hasRegistryHost('127.0.0.1:5000/web')).toBe(true);
    expect(hasRegistryHost('localhost/web')).toBe(true);
    expect(hasRegistryHost('team/web')).toBe(false);
    expect(hasRegistryHost('web:1')).toBe(false);
  });
});
