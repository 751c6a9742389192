// The default on a terminal: counts first, then packages grouped by state (what needs attention
// first), each with one line of evidence; then files no package owns, then gaps and warnings.
import type { ScanPackage, ScanResult } from '../../scan/result.js';
import { countsLine, imageLine, profilesLine, STATE_DISPLAY_ORDER, STATE_LABEL } from '../text.js';

function columns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

/** Control characters in names or paths would move the cursor on a terminal: show them escaped. */
const safe = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

export function encode(r: ScanResult): string {
  const out: string[] = [imageLine(r), profilesLine(r), countsLine(r)];
  for (const state of STATE_DISPLAY_ORDER) {
    const pkgs: ScanPackage[] = r.packages.filter((p) => p.reachability === state);
    if (pkgs.length === 0) continue;
    out.push('', `${STATE_LABEL[state].toUpperCase()} (${pkgs.length})`);
    const rows = [['NAME', 'VERSION', 'ARCH', state === 'unreachable' || state === 'unknown' ? 'WHY' : 'EVIDENCE']];
    for (const p of pkgs) rows.push([safe(p.name), safe(p.version), safe(p.arch ?? ''), safe(p.reason)]);
    out.push(...columns(rows).map((l) => `  ${l}`));
  }
  if (r.unownedFiles.length) {
    out.push('', `USED FILES IN NO OS PACKAGE (${r.unownedFiles.length})`);
    const rows = [['PATH', 'OPS', 'BY']];
    for (const f of r.unownedFiles) rows.push([safe(f.path), f.ops.join(','), safe(f.executables.join(', '))]);
    out.push(...columns(rows).map((l) => `  ${l}`));
  }
  if (r.gaps.length) {
    out.push('', `GAPS (${r.gaps.length})`);
    for (const g of r.gaps) out.push(`  ${g.stage}${g.where ? ` ${safe(g.where)}` : ''}: ${safe(g.message)}`);
  }
  if (r.warnings.length) {
    out.push('', 'WARNINGS');
    for (const w of r.warnings) out.push(`  ${safe(w)}`);
  }
  return `${out.join('\n')}\n`;
}
