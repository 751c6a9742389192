import { describe, expect, it } from 'vitest';
import { golden, sampleResult } from '../golden.js';
import { encode } from './encode.js';

describe('table output', () => {
  it('matches the golden file: counts first, packages grouped by state', () => {
    const out = encode(sampleResult());
    const [expected, actual] = golden(new URL('./testdata/sample.golden.txt', import.meta.url), out);
    expect(actual).toBe(expected);
    const lines = out.split('\n');
    expect(lines[2]).toMatch(/^5 packages/);
    const order = ['REACHABLE (2)', 'POTENTIALLY REACHABLE (1)', 'UNREACHABLE (2)'].map((h) => lines.indexOf(h));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(lines.slice(order[2]).join('\n')).toMatch(/dpkg/);
  });

  it('escapes control characters from package data', () => {
    const r = sampleResult();
    r.packages[0].name = 'evil\u001b[2Jname';
    expect(encode(r)).toContain('evil\\x1b[2Jname');
  });
});
