// Assembles the ScanResult from what the pipeline gathered: the image's identity, its
// catalogued packages, its filesystem (for symlinks), and the loaded profiles. Pure: no I/O,
// so every state rule can be tested on small inputs.
import { CREACH_VERSION } from '../version.js';
import type { Logger } from '../log.js';
import { Canonicalizer, type ResolvingTree } from '../reach/canonical.js';
import { OwnershipIndex } from '../reach/ownership.js';
import type { Profile } from '../reach/profile/profile.js';
import { decide, REACHABILITY_STATES, type Reachability } from '../reach/states.js';
import { SCAN_RESULT_SCHEMA, type ScanDistro, type ScanGap, type ScanImage, type ScanPackage, type ScanResult } from './result.js';

/** The fields of a catalogued package that scan reads (src/catalog/catalog.ts `Package`). */
export interface CatalogedPackage {
  id: string;
  name: string;
  version: string;
  arch?: string;
  type: 'deb' | 'apk' | 'rpm';
  sourceName?: string;
  sourceVersion?: string;
  purl: string;
  files: string[];
}

export interface BuildInput {
  image: ScanImage;
  tree: ResolvingTree;
  distro?: ScanDistro;
  packages: CatalogedPackage[];
  /** undefined when --os-reachability was not asked for. */
  profiles?: Profile[];
  gaps?: ScanGap[];
  strict?: boolean;
  projectName?: string;
  namespace?: string;
  now?: Date;
  log?: Logger;
}

const stateOrder: Record<Reachability, number> = { reachable: 0, potentially_reachable: 1, unknown: 2, unreachable: 3 };
const cmp = (a: string | undefined, b: string | undefined) => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0);

export function buildResult(input: BuildInput): ScanResult {
  const canon = new Canonicalizer(input.tree);
  const osReachability = input.profiles !== undefined;
  const profiles = input.profiles ?? [];
  const ownership = new OwnershipIndex(input.packages, canon);
  const outcome = decide({
    packages: input.packages,
    profiles,
    canon,
    ownership,
    imageConfigDigest: input.image.configDigest,
    alsoAccept: input.image.originalConfigDigest ? [input.image.originalConfigDigest] : [],
    strict: input.strict,
    log: input.log,
  });

  const packages: ScanPackage[] = input.packages.map((p) => {
    const r = outcome.byPackage.get(p.id)!;
    const reason = osReachability ? r.reason : 'reachability was not asked for (--os-reachability)';
    return {
      id: p.id,
      type: p.type,
      name: p.name,
      version: p.version,
      ...(p.arch ? { arch: p.arch } : {}),
      ...(p.sourceName ? { sourceName: p.sourceName } : {}),
      ...(p.sourceVersion ? { sourceVersion: p.sourceVersion } : {}),
      purl: p.purl,
      fileCount: p.files.length,
      reachability: r.state,
      reason,
      evidence: r.evidence,
    };
  });
  packages.sort((a, b) => stateOrder[a.reachability] - stateOrder[b.reachability] || cmp(a.name, b.name) || cmp(a.version, b.version) || cmp(a.arch, b.arch));

  const counts = Object.fromEntries(REACHABILITY_STATES.map((s) => [s, 0])) as Record<Reachability, number>;
  for (const p of packages) counts[p.reachability]++;

  const usedProfiles = outcome.profiles.filter((p) => p.used);
  const dropped = { paths: 0, processes: 0, events: 0, unreadableProcesses: 0 };
  for (const p of usedProfiles) {
    dropped.paths += p.dropped.paths;
    dropped.processes += p.dropped.processes;
    dropped.events += p.dropped.events;
    dropped.unreadableProcesses += p.dropped.unreadableProcesses;
  }

  return {
    schema: SCAN_RESULT_SCHEMA,
    tool: { name: 'creach', version: CREACH_VERSION },
    createdAt: (input.now ?? new Date()).toISOString(),
    ...(input.projectName ? { projectName: input.projectName } : {}),
    ...(input.namespace ? { namespace: input.namespace } : {}),
    image: input.image,
    ...(input.distro ? { distro: input.distro } : {}),
    osReachability,
    profiles: {
      count: outcome.profiles.length,
      used: usedProfiles.length,
      complete: outcome.complete,
      modes: [...new Set(usedProfiles.map((p) => p.mode))].sort(),
      dropped,
      mismatched: outcome.profiles.filter((p) => p.pairing === 'mismatch').length,
      items: outcome.profiles.map((p) => ({ ...p })),
    },
    counts: { ...counts, total: packages.length },
    packages,
    unownedFiles: outcome.unowned,
    gaps: input.gaps ?? [],
    warnings: outcome.warnings,
  };
}
