// The real package databases copied from ../shared/fixtures (see test/fixtures/SOURCES.md).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));

export function fixture(rel: string): Buffer {
  return readFileSync(FIXTURES + rel);
}
