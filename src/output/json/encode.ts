// The stable machine form: the ScanResult itself, documented in docs/scan-result.schema.json.
import type { ScanResult } from '../../scan/result.js';

export function encode(result: ScanResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
