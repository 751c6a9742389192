// A few lines for a CI log or a terminal: what was scanned, how good the profiles were, counts.
import type { ScanResult } from '../../scan/result.js';
import { countsLine, imageLine, profilesLine } from '../text.js';

export function encode(r: ScanResult): string {
  const lines = [imageLine(r), profilesLine(r), countsLine(r)];
  if (r.unownedFiles.length) lines.push(`${r.unownedFiles.length} used files belong to no OS package (the app's own code or language packages)`);
  if (r.gaps.length) lines.push(`${r.gaps.length} gap${r.gaps.length > 1 ? 's' : ''} while reading the image (see --output-type table or json)`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}
