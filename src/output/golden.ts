// Golden-file support for the encoder tests (syft's habit): timestamps and UUIDs are redacted
// before comparing, and UPDATE_GOLDEN=1 rewrites the files instead of comparing.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ScanResult } from '../scan/result.js';
import { CREACH_VERSION } from '../version.js';

export function redact(s: string): string {
  return s
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<timestamp>')
    .replace(/urn:uuid:[0-9a-f-]{36}/g, 'urn:uuid:<uuid>')
    .split(`"version": "${CREACH_VERSION}"`)
    .join('"version": "<creach-version>"')
    .split(`creach ${CREACH_VERSION}`)
    .join('creach <creach-version>');
}

/** Returns [expected, actual], both redacted; with UPDATE_GOLDEN=1 writes `actual` first. */
export function golden(file: URL, actual: string): [string, string] {
  const path = fileURLToPath(file);
  const red = redact(actual);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, red);
  else if (!existsSync(path)) throw new Error(`golden file ${path} is missing: run the test with UPDATE_GOLDEN=1 and review it`);
  return [readFileSync(path, 'utf8'), red];
}

export function sampleResult(): ScanResult {
  return JSON.parse(readFileSync(fileURLToPath(new URL('./testdata/scan-result.json', import.meta.url)), 'utf8')) as ScanResult;
}

/** Validates a JSON value against docs/scan-result.schema.json; returns the errors as text. */
export function scanResultSchemaErrors(value: unknown): string {
  const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../docs/scan-result.schema.json', import.meta.url)), 'utf8'));
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  const validate = ajv.compile(schema);
  return validate(value) ? '' : ajv.errorsText(validate.errors, { separator: '\n' });
}
