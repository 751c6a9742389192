// The output types `scan --output-type` accepts, each one encoder over the ScanResult.
import type { ScanResult } from '../scan/result.js';
import { encode as cyclonedx } from './cyclonedx/encode.js';
import { encode as html } from './html/encode.js';
import { encode as json } from './json/encode.js';
import { encode as summary } from './summary/encode.js';
import { encode as table } from './table/encode.js';

export const OUTPUT_TYPES = ['table', 'summary', 'json', 'cyclonedx', 'html'] as const;
export type OutputType = (typeof OUTPUT_TYPES)[number];

const encoders: Record<OutputType, (r: ScanResult) => string> = { table, summary, json, cyclonedx, html };

export function isOutputType(s: string): s is OutputType {
  return (OUTPUT_TYPES as readonly string[]).includes(s);
}

export function encodeResult(type: OutputType, result: ScanResult): string {
  return encoders[type](result);
}
