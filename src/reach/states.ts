// The only place that decides a package's reachability. Everything else (outputs, store, VEX)
// reads the state this returns and never re-derives it.
//   reachable              a file of the package was opened for read, mapped or executed
//   potentially_reachable  the only evidence is stat/access (a lookup, not a use)
//   unreachable            every profile is complete, belongs to this image, and shows nothing
//   unknown                no profile, a partial or failed one, or one from another image
// Writes are not use: an app that writes into a package's file did not run the package's code.
import { CreachError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Canonicalizer } from './canonical.js';
import type { OwnedFiles, OwnershipIndex } from './ownership.js';
import type { FileOp, Profile } from './profile/profile.js';

export type Reachability = 'reachable' | 'potentially_reachable' | 'unreachable' | 'unknown';

export const REACHABILITY_STATES: readonly Reachability[] = ['reachable', 'potentially_reachable', 'unreachable', 'unknown'];

const USE_OPS: readonly FileOp[] = ['read', 'mmap', 'exec'];

/** One file of evidence: the image's name for it, what was done, by whom, in which profiles. */
export interface FileEvidence {
  /** Canonical path in the image (directories resolved through the image's symlinks). */
  path: string;
  /** The paths as the sensor recorded them, when they differ from `path`. */
  recordedAs: string[];
  ops: FileOp[];
  executables: string[];
  /** Indices into the profile list. */
  profiles: number[];
}

export interface PackageReach {
  state: Reachability;
  /** One line a person can read: why this state. */
  reason: string;
  evidence: FileEvidence[];
}

export type ImagePairing = 'match' | 'mismatch' | 'unverified';

export interface ProfileVerdict {
  source: string;
  producer: Profile['producer'];
  mode: string;
  complete: boolean;
  incompleteReasons: string[];
  dropped: Profile['dropped'];
  imageReference?: string;
  imageConfigDigest?: string;
  pairing: ImagePairing;
  /** False when the profile was set aside (it belongs to another image). */
  used: boolean;
  paths: number;
}

export interface ReachInput {
  packages: OwnedFiles[];
  profiles: Profile[];
  canon: Canonicalizer;
  ownership: OwnershipIndex;
  /** Config digest (image ID) of the image being scanned. */
  imageConfigDigest: string;
  /**
   * Other digests that stand for the same filesystem: an instrumented image's
   * io.creach.original.config-digest label (its reports name the original image).
   */
  alsoAccept?: string[];
  /** Mismatched profiles are an error rather than a warning. */
  strict?: boolean;
  log?: Logger;
}

export interface ReachOutcome {
  byPackage: Map<string, PackageReach>;
  /** Files that were used (read, mapped, executed), exist in the image, and no package owns. */
  unowned: FileEvidence[];
  profiles: ProfileVerdict[];
  /** True when absence of evidence may be read as absence of use. */
  complete: boolean;
  warnings: string[];
}

function pairing(p: Profile, accepted: string[]): ImagePairing {
  if (!p.image.configDigest) return 'unverified';
  return accepted.includes(p.image.configDigest) ? 'match' : 'mismatch';
}

function sortedOps(ops: Iterable<FileOp>): FileOp[] {
  const order: FileOp[] = ['exec', 'mmap', 'read', 'stat', 'write'];
  const s = new Set(ops);
  return order.filter((o) => s.has(o));
}

class EvidenceBuilder {
  readonly ops = new Set<FileOp>();
  readonly executables = new Set<string>();
  readonly recordedAs = new Set<string>();
  readonly profiles = new Set<number>();
  constructor(readonly path: string) {}
  done(): FileEvidence {
    this.recordedAs.delete(this.path);
    return {
      path: this.path,
      recordedAs: [...this.recordedAs].sort(),
      ops: sortedOps(this.ops),
      executables: [...this.executables].sort(),
      profiles: [...this.profiles].sort((a, b) => a - b),
    };
  }
}

function describeUse(ev: FileEvidence[]): string {
  const used = ev.filter((e) => e.ops.some((o) => USE_OPS.includes(o)));
  // Lead with the strongest evidence: an executed file, then a mapped one, then a read.
  const rank = (e: FileEvidence) => (e.ops.includes('exec') ? 0 : e.ops.includes('mmap') ? 1 : 2);
  const first = [...used].sort((a, b) => rank(a) - rank(b))[0];
  if (!first) return '';
  const verb = first.ops.includes('exec') ? 'executed' : first.ops.includes('mmap') ? 'mapped' : 'opened';
  const by = first.executables.length > 0 ? ` by ${first.executables.slice(0, 2).join(', ')}` : '';
  const more = used.length > 1 ? ` (+${used.length - 1} more file${used.length > 2 ? 's' : ''})` : '';
  return `${first.path} ${verb}${by}${more}`;
}

export function decide(input: ReachInput): ReachOutcome {
  const { canon, ownership } = input;
  const warnings: string[] = [];
  const verdicts: ProfileVerdict[] = input.profiles.map((p) => {
    const pr = pairing(p, [input.imageConfigDigest, ...(input.alsoAccept ?? [])]);
    return {
      source: p.source,
      producer: p.producer,
      mode: p.mode,
      complete: p.complete,
      incompleteReasons: [...p.incompleteReasons],
      dropped: { ...p.dropped },
      imageReference: p.image.reference,
      imageConfigDigest: p.image.configDigest,
      pairing: pr,
      used: pr !== 'mismatch',
      paths: p.files.size,
    };
  });

  const mismatched = verdicts.filter((v) => v.pairing === 'mismatch');
  for (const v of mismatched) {
    const msg = `${v.source} was recorded on image ${v.imageConfigDigest}${v.imageReference ? ` (${v.imageReference})` : ''}, not on the scanned image ${input.imageConfigDigest}: its evidence is set aside`;
    if (input.strict) {
      throw new CreachError('REPORT_IMAGE_MISMATCH', msg, {
        hint: 'scan the image that was instrumented (see the io.creach.original.* labels), or drop --strict to scan with this profile set aside',
      });
    }
    warnings.push(msg);
  }
  for (const v of verdicts.filter((x) => x.pairing === 'unverified')) {
    warnings.push(`${v.source} does not record which image it ran on (${v.producer} report); it is used as if it belonged to the scanned image`);
  }
  for (const v of verdicts.filter((x) => x.used && !x.complete)) {
    warnings.push(`${v.source} is incomplete (${v.incompleteReasons.join('; ') || 'the sensor says so'}): packages without evidence are unknown, not unreachable`);
  }
  for (const w of warnings) input.log?.warn(w);

  const used = verdicts.map((v, i) => (v.used ? i : -1)).filter((i) => i >= 0);
  const complete = used.length > 0 && mismatched.length === 0 && used.every((i) => verdicts[i].complete);

  // Map every recorded path to the packages owning any of its names.
  const perPackage = new Map<string, Map<string, EvidenceBuilder>>();
  const unowned = new Map<string, EvidenceBuilder>();
  const touch = (m: Map<string, EvidenceBuilder>, key: string) => {
    let b = m.get(key);
    if (!b) {
      b = new EvidenceBuilder(key);
      m.set(key, b);
    }
    return b;
  };
  for (const i of used) {
    for (const f of input.profiles[i].files.values()) {
      if (canon.isDirectory(f.path)) continue;
      // The name the app used (a package may own that symlink) and the file it finally reached.
      const names = new Set([canon.parent(f.path), canon.full(f.path)]);
      let owned = false;
      for (const name of names) {
        for (const id of ownership.ownersOf(name)) {
          owned = true;
          let m = perPackage.get(id);
          if (!m) perPackage.set(id, (m = new Map()));
          const b = touch(m, name);
          f.ops.forEach((o) => b.ops.add(o));
          f.executables.forEach((e) => b.executables.add(e));
          b.recordedAs.add(f.path);
          b.profiles.add(i);
        }
      }
      if (!owned && canon.exists(f.path) && [...f.ops].some((o) => USE_OPS.includes(o))) {
        const b = touch(unowned, canon.full(f.path));
        f.ops.forEach((o) => b.ops.add(o));
        f.executables.forEach((e) => b.executables.add(e));
        b.recordedAs.add(f.path);
        b.profiles.add(i);
      }
    }
  }

  const noProfileReason =
    input.profiles.length === 0
      ? 'no runtime profile was given'
      : used.length === 0
        ? 'every profile belongs to another image'
        : mismatched.length > 0
          ? 'no evidence, but a profile from another image was set aside, so the record is partial'
          : `no evidence, but the profile is incomplete (${[...new Set(used.flatMap((i) => verdicts[i].incompleteReasons))].join('; ') || 'the sensor says so'})`;

  const byPackage = new Map<string, PackageReach>();
  for (const pkg of input.packages) {
    const ev = [...(perPackage.get(pkg.id)?.values() ?? [])].map((b) => b.done()).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const hasUse = ev.some((e) => e.ops.some((o) => USE_OPS.includes(o)));
    const hasStat = ev.some((e) => e.ops.includes('stat'));
    let r: PackageReach;
    if (used.length === 0) r = { state: 'unknown', reason: noProfileReason, evidence: ev };
    else if (hasUse) r = { state: 'reachable', reason: describeUse(ev), evidence: ev };
    else if (hasStat) {
      const s = ev.find((e) => e.ops.includes('stat'))!;
      r = { state: 'potentially_reachable', reason: `only looked up (stat/access): ${s.path}${ev.length > 1 ? ` (+${ev.length - 1} more)` : ''}`, evidence: ev };
    } else if (complete) r = { state: 'unreachable', reason: ev.length > 0 ? 'only written to, never read, mapped or executed' : 'no file used in a complete profile', evidence: ev };
    else r = { state: 'unknown', reason: noProfileReason, evidence: ev };
    byPackage.set(pkg.id, r);
  }

  const unownedList = [...unowned.values()].map((b) => b.done()).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { byPackage, unowned: unownedList, profiles: verdicts, complete, warnings };
}
