import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { golden, sampleResult } from '../golden.js';
import { encode } from './encode.js';

// The official CycloneDX 1.6 JSON schema, as the CycloneDX JavaScript library ships it.
function cdxValidator() {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res/schema');
  const load = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  ajv.addFormat('iri-reference', true); // not in ajv-formats; the schema uses it for URLs
  ajv.addFormat('idn-email', true);
  // bom-1.6 refers to its sub-schemas by these relative names.
  ajv.addSchema({ ...load('spdx.SNAPSHOT.schema.json'), $id: 'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json' });
  ajv.addSchema({ ...load('jsf-0.82.SNAPSHOT.schema.json'), $id: 'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json' });
  ajv.addSchema({ ...load('cryptography-defs.SNAPSHOT.schema.json'), $id: 'http://cyclonedx.org/schema/cryptography-defs.SNAPSHOT.schema.json' });
  const validate = ajv.compile(load('bom-1.6.SNAPSHOT.schema.json'));
  return (v: unknown) => (validate(v) ? '' : ajv.errorsText(validate.errors, { separator: '\n' }));
}

describe('cyclonedx output', () => {
  const check = cdxValidator();

  it('matches the golden file (serial number and timestamp redacted)', () => {
    const [expected, actual] = golden(new URL('./testdata/sample.golden.json', import.meta.url), encode(sampleResult()));
    expect(actual).toBe(expected);
  });

  it('is valid CycloneDX 1.6 with reachability as component properties and evidence occurrences', () => {
    const bom = JSON.parse(encode(sampleResult()));
    expect(check(bom)).toBe('');
    expect(bom.specVersion).toBe('1.6');
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    const ssl = bom.components.find((c: { name: string }) => c.name === 'libssl3');
    expect(ssl.purl).toBe('pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&distro=debian-12');
    expect(ssl.properties).toContainEqual({ name: 'creach:reachability', value: 'reachable' });
    expect(ssl.evidence.occurrences[0]).toEqual({ location: '/usr/lib/x86_64-linux-gnu/libssl.so.3', additionalContext: 'ops=mmap,read; by=/usr/sbin/nginx; recorded-as=/lib/x86_64-linux-gnu/libssl.so.3' });
    const dpkg = bom.components.find((c: { name: string }) => c.name === 'dpkg');
    expect(dpkg.properties).toContainEqual({ name: 'creach:reachability', value: 'unreachable' });
    expect(bom.metadata.component.type).toBe('container');
    expect(bom.dependencies[0].dependsOn).toHaveLength(6); // 5 packages + the OS
  });

  it('the schema check can fail', () => {
    const bom = JSON.parse(encode(sampleResult()));
    bom.components[0].type = 'gizmo';
    expect(check(bom)).not.toBe('');
  });
});
