import { describe, expect, it } from 'vitest';
import { golden, sampleResult, scanResultSchemaErrors } from '../golden.js';
import { encode } from './encode.js';

describe('json output', () => {
  it('matches the golden file and the documented schema', () => {
    const out = encode(sampleResult());
    const [expected, actual] = golden(new URL('./testdata/sample.golden.json', import.meta.url), out);
    expect(actual).toBe(expected);
    expect(scanResultSchemaErrors(JSON.parse(out))).toBe('');
  });

  it('the schema rejects an unknown state and a missing field (the check can fail)', () => {
    const bad = sampleResult() as unknown as { packages: { reachability: string }[]; counts?: unknown };
    bad.packages[0].reachability = 'maybe';
    delete bad.counts;
    const errors = scanResultSchemaErrors(bad);
    expect(errors).toMatch(/reachability/);
    expect(errors).toMatch(/counts/);
  });
});
