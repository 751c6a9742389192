import { describe, expect, it } from 'vitest';
import { golden, sampleResult } from '../golden.js';
import { encode } from './encode.js';

describe('html output', () => {
  it('matches the golden file', () => {
    const [expected, actual] = golden(new URL('./testdata/sample.golden.html', import.meta.url), encode(sampleResult()));
    expect(actual).toBe(expected);
  });

  it('is one self-contained page: no external assets, a filter per state, every package', () => {
    const out = encode(sampleResult());
    expect(out).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    for (const s of ['reachable', 'potentially_reachable', 'unknown', 'unreachable']) expect(out).toContain(`data-state="${s}" aria-pressed="false"`);
    expect(out.match(/<tr data-state=/g)).toHaveLength(5);
    expect(out).toContain('/usr/lib/x86_64-linux-gnu/libssl.so.3');
  });

  it('escapes everything from the image and profiles', () => {
    const out = encode(sampleResult());
    expect(out).not.toContain('<script>alert(1)</script>');
    expect(out).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(out.match(/<script>/g)).toHaveLength(1);
  });
});
