// One self-contained page a person can open from disk or a CI artifact: counts, a filter by
// state (a few lines of inline JS), and each package with its evidence in a <details>. No
// external assets. Every value from the image or the profiles is HTML-escaped; none of it is
// placed inside the script.
import type { FileEvidence, Reachability, ScanPackage, ScanResult } from '../../scan/result.js';
import { STATE_DISPLAY_ORDER, STATE_LABEL, profilesLine } from '../text.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}
const e = escapeHtml;

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2430;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem}
.meta{color:#555;font-size:.9rem;margin:.15rem 0}
.counts{display:flex;gap:.6rem;margin:1.2rem 0;flex-wrap:wrap}
.counts button{border:1px solid #ccd;border-radius:6px;padding:.5rem .9rem;background:#f6f7f9;cursor:pointer;font-size:.95rem}
.counts button[aria-pressed=true]{background:#1d2430;color:#fff}
.counts b{font-size:1.2rem;margin-right:.3rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
th{background:#f6f7f9}
.state{font-weight:600;white-space:nowrap}
.s-reachable{color:#b42318}.s-potentially_reachable{color:#b54708}.s-unknown{color:#475467}.s-unreachable{color:#067647}
code{font-size:.85rem;word-break:break-all}
details summary{cursor:pointer}
ul.ev{margin:.3rem 0 .3rem 1rem;padding:0}
.warn{background:#fffaeb;border:1px solid #fedf89;padding:.5rem .8rem;border-radius:6px;margin:.5rem 0}
h2{font-size:1.1rem;margin-top:2rem}
`;

// Toggles rows by their data-state; with nothing selected every row shows.
const SCRIPT = `
(function(){
  var on = {};
  var buttons = document.querySelectorAll('.counts button[data-state]');
  function apply(){
    var any = Object.keys(on).some(function(k){return on[k];});
    document.querySelectorAll('tr[data-state]').forEach(function(tr){
      tr.hidden = any && !on[tr.getAttribute('data-state')];
    });
  }
  buttons.forEach(function(b){
    b.addEventListener('click', function(){
      var s = b.getAttribute('data-state');
      on[s] = !on[s];
      b.setAttribute('aria-pressed', on[s] ? 'true' : 'false');
      apply();
    });
  });
})();
`;

function evidenceList(ev: FileEvidence[]): string {
  if (ev.length === 0) return '';
  const items = ev
    .map((f) => {
      const by = f.executables.length ? ` by <code>${e(f.executables.join(', '))}</code>` : '';
      const as = f.recordedAs.length ? ` (recorded as <code>${e(f.recordedAs.join(', '))}</code>)` : '';
      return `<li><code>${e(f.path)}</code> — ${e(f.ops.join(', '))}${by}${as}</li>`;
    })
    .join('');
  return `<details><summary>${ev.length} file${ev.length > 1 ? 's' : ''}</summary><ul class="ev">${items}</ul></details>`;
}

function row(p: ScanPackage): string {
  return (
    `<tr data-state="${e(p.reachability)}">` +
    `<td class="state s-${e(p.reachability)}">${e(STATE_LABEL[p.reachability])}</td>` +
    `<td>${e(p.name)}</td><td>${e(p.version)}</td><td>${e(p.arch ?? '')}</td>` +
    `<td>${e(p.reason)}${evidenceList(p.evidence)}</td>` +
    `<td><code>${e(p.purl)}</code></td></tr>`
  );
}

export function encode(r: ScanResult): string {
  const count = (s: Reachability) =>
    `<button type="button" data-state="${s}" aria-pressed="false"><b class="s-${s}">${r.counts[s]}</b>${e(STATE_LABEL[s])}</button>`;
  const distro = r.distro ? r.distro.prettyName ?? `${r.distro.id} ${r.distro.versionId ?? ''}` : 'distro unknown';
  const parts: string[] = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>creach scan: ${e(r.image.reference)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>Reachability of OS packages in <code>${e(r.image.reference)}</code></h1>`,
    `<p class="meta">${e(r.image.configDigest)} · ${e(r.image.platform)} · ${e(distro)}${r.projectName ? ` · project ${e(r.projectName)}` : ''}${r.namespace ? ` · namespace ${e(r.namespace)}` : ''}</p>`,
    `<p class="meta">${e(profilesLine(r))}</p>`,
    `<p class="meta">scanned ${e(r.createdAt)} by creach ${e(r.tool.version)}</p>`,
    ...r.warnings.map((w) => `<div class="warn">${e(w)}</div>`),
    `<div class="counts" role="group" aria-label="filter by state">${STATE_DISPLAY_ORDER.map(count).join('')}<span class="meta">${r.counts.total} packages · click to filter</span></div>`,
    '<table><thead><tr><th>State</th><th>Package</th><th>Version</th><th>Arch</th><th>Evidence</th><th>purl</th></tr></thead><tbody>',
    ...r.packages.map(row),
    '</tbody></table>',
  ];
  if (r.unownedFiles.length) {
    parts.push(`<h2>Used files in no OS package (${r.unownedFiles.length})</h2>`, '<table><thead><tr><th>Path</th><th>Ops</th><th>By</th></tr></thead><tbody>');
    for (const f of r.unownedFiles) parts.push(`<tr><td><code>${e(f.path)}</code></td><td>${e(f.ops.join(', '))}</td><td><code>${e(f.executables.join(', '))}</code></td></tr>`);
    parts.push('</tbody></table>');
  }
  if (r.gaps.length) {
    parts.push(`<h2>Gaps (${r.gaps.length})</h2><ul>`);
    for (const g of r.gaps) parts.push(`<li>${e(g.stage)}${g.where ? ` <code>${e(g.where)}</code>` : ''}: ${e(g.message)}</li>`);
    parts.push('</ul>');
  }
  parts.push(`<script>${SCRIPT}</script>`, '</body></html>');
  return `${parts.join('\n')}\n`;
}
