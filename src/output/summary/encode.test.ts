import { describe, expect, it } from 'vitest';
import { golden, sampleResult } from '../golden.js';
import { encode } from './encode.js';

describe('summary output', () => {
  it('matches the golden file: image, profile quality, counts', () => {
    const out = encode(sampleResult());
    const [expected, actual] = golden(new URL('./testdata/sample.golden.txt', import.meta.url), out);
    expect(actual).toBe(expected);
    expect(out).toContain('5 packages: 2 reachable, 1 potentially reachable, 0 unknown, 2 unreachable');
  });

  it('says loudly when the profiles are incomplete', () => {
    const r = sampleResult();
    r.profiles.complete = false;
    expect(encode(r)).toContain('INCOMPLETE');
  });
});
