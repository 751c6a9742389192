// CycloneDX 1.6 JSON. The scanned image is metadata.component (type container); each OS package
// is a component with its purl, its reachability as the property `creach:reachability` (plus
// `creach:reachability:reason`), and the files that prove it as evidence.occurrences (location =
// path in the image, additionalContext = what was done and by which executable). Properties
// under `creach:` are registered nowhere; their names are part of the documented JSON contract.
import { randomUUID } from 'node:crypto';
import type { FileEvidence, ScanPackage, ScanResult } from '../../scan/result.js';

interface Property {
  name: string;
  value: string;
}

const prop = (name: string, value: string | number | boolean): Property => ({ name, value: String(value) });

function occurrence(e: FileEvidence): { location: string; additionalContext?: string } {
  const ctx = [`ops=${e.ops.join(',')}`];
  if (e.executables.length) ctx.push(`by=${e.executables.join(',')}`);
  if (e.recordedAs.length) ctx.push(`recorded-as=${e.recordedAs.join(',')}`);
  return { location: e.path, additionalContext: ctx.join('; ') };
}

function component(p: ScanPackage, bomRef: string): Record<string, unknown> {
  const properties: Property[] = [prop('creach:reachability', p.reachability), prop('creach:reachability:reason', p.reason), prop('creach:package:type', p.type), prop('creach:package:id', p.id)];
  if (p.arch) properties.push(prop('creach:package:arch', p.arch));
  if (p.sourceName) properties.push(prop('creach:package:source-name', p.sourceName));
  if (p.sourceVersion) properties.push(prop('creach:package:source-version', p.sourceVersion));
  properties.push(prop('creach:evidence:files', p.evidence.length));
  const c: Record<string, unknown> = {
    type: 'library',
    'bom-ref': bomRef,
    name: p.name,
    version: p.version,
    purl: p.purl,
    properties,
  };
  if (p.evidence.length) c.evidence = { occurrences: p.evidence.map(occurrence) };
  return c;
}

export interface CycloneDxOptions {
  /** Fixed serial number (tests); a fresh urn:uuid otherwise. */
  serialNumber?: string;
}

export function encode(r: ScanResult, opts: CycloneDxOptions = {}): string {
  const imageRef = 'creach:image';
  const used = new Set<string>([imageRef]);
  const components: Record<string, unknown>[] = [];
  const refs: string[] = [];
  for (const p of r.packages) {
    let ref = p.purl;
    for (let n = 2; used.has(ref); n++) ref = `${p.purl}#${n}`;
    used.add(ref);
    refs.push(ref);
    components.push(component(p, ref));
  }
  if (r.distro) {
    const osRef = `creach:os:${r.distro.id}`;
    components.push({
      type: 'operating-system',
      'bom-ref': osRef,
      name: r.distro.id,
      ...(r.distro.versionId ? { version: r.distro.versionId } : {}),
      ...(r.distro.prettyName ? { description: r.distro.prettyName } : {}),
    });
    refs.push(osRef);
  }

  const imageProps: Property[] = [
    prop('creach:image:config-digest', r.image.configDigest),
    prop('creach:image:platform', r.image.platform),
    prop('creach:os-reachability', r.osReachability),
    prop('creach:profiles:count', r.profiles.count),
    prop('creach:profiles:used', r.profiles.used),
    prop('creach:profiles:complete', r.profiles.complete),
    prop('creach:profiles:mismatched', r.profiles.mismatched),
  ];
  for (const m of r.profiles.modes) imageProps.push(prop('creach:profiles:mode', m));
  for (const s of ['reachable', 'potentially_reachable', 'unreachable', 'unknown'] as const) imageProps.push(prop(`creach:count:${s}`, r.counts[s]));
  if (r.image.manifestDigest) imageProps.push(prop('creach:image:manifest-digest', r.image.manifestDigest));
  if (r.projectName) imageProps.push(prop('creach:project-name', r.projectName));
  if (r.namespace) imageProps.push(prop('creach:namespace', r.namespace));
  for (const f of r.unownedFiles) imageProps.push(prop('creach:unowned-file', `${f.path} (${f.ops.join(',')}${f.executables.length ? ` by ${f.executables.join(',')}` : ''})`));
  for (const g of r.gaps) imageProps.push(prop('creach:gap', `${g.stage}${g.where ? ` ${g.where}` : ''}: ${g.message}`));
  for (const w of r.warnings) imageProps.push(prop('creach:warning', w));

  const hex = /^sha256:([0-9a-f]{64})$/.exec(r.image.configDigest)?.[1];
  const bom = {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: opts.serialNumber ?? `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: r.createdAt,
      tools: { components: [{ type: 'application', name: r.tool.name, version: r.tool.version }] },
      component: {
        type: 'container',
        'bom-ref': imageRef,
        name: r.image.reference,
        version: r.image.configDigest,
        ...(hex ? { hashes: [{ alg: 'SHA-256', content: hex }] } : {}),
        properties: imageProps,
      },
    },
    components,
    dependencies: [{ ref: imageRef, dependsOn: refs }],
  };
  return `${JSON.stringify(bom, null, 2)}\n`;
}
