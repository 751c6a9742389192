// Small helpers shared by the text outputs (table, summary): state labels and counts line.
import type { Reachability, ScanResult } from '../scan/result.js';

export const STATE_LABEL: Record<Reachability, string> = {
  reachable: 'reachable',
  potentially_reachable: 'potentially reachable',
  unknown: 'unknown',
  unreachable: 'unreachable',
};

/** Order in which states are shown: what needs attention first. */
export const STATE_DISPLAY_ORDER: Reachability[] = ['reachable', 'potentially_reachable', 'unknown', 'unreachable'];

export function countsLine(r: ScanResult): string {
  return `${r.counts.total} packages: ${STATE_DISPLAY_ORDER.map((s) => `${r.counts[s]} ${STATE_LABEL[s]}`).join(', ')}`;
}

export function profilesLine(r: ScanResult): string {
  if (!r.osReachability) return 'profiles: none (reachability not asked for: --os-reachability)';
  const p = r.profiles;
  const d = p.dropped;
  const dropped = d.paths + d.processes + d.events + d.unreadableProcesses;
  return [
    `profiles: ${p.used} used of ${p.count}`,
    p.modes.length ? `mode ${p.modes.join(', ')}` : '',
    p.complete ? 'complete' : 'INCOMPLETE (no package can be called unreachable)',
    p.mismatched ? `${p.mismatched} from another image set aside` : '',
    dropped ? `dropped: ${d.paths} paths, ${d.processes} processes, ${d.events} events, ${d.unreadableProcesses} unreadable processes` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

export function imageLine(r: ScanResult): string {
  const distro = r.distro ? r.distro.prettyName ?? `${r.distro.id} ${r.distro.versionId ?? ''}`.trim() : 'distro unknown';
  return `image: ${r.image.reference} (${r.image.configDigest.slice(0, 19)}…, ${r.image.platform}, ${distro})`;
}
