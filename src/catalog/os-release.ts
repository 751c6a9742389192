// Which distribution the image is: /etc/os-release (or /usr/lib/os-release), else the older
// one-line files (/etc/alpine-release, /etc/debian_version, /etc/redhat-release). The distro
// names the purl namespace and its `distro=` qualifier, and later the OSV ecosystem.
import type { FsIndex } from '../image/fs/fs-index.js';

export interface Distro {
  /** os-release ID: debian, ubuntu, alpine, rhel, fedora, centos, mariner, … */
  id: string;
  versionId?: string;
  versionCodename?: string;
  idLike: string[];
  prettyName?: string;
  name?: string;
  /** The file it was read from. */
  source: string;
}

export const OS_RELEASE_PATHS = ['/etc/os-release', '/usr/lib/os-release'];
export const RELEASE_FALLBACK_PATHS = ['/etc/alpine-release', '/etc/debian_version', '/etc/redhat-release', '/etc/centos-release', '/etc/fedora-release'];

export function wantsDistroFile(path: string): boolean {
  return OS_RELEASE_PATHS.includes(path) || RELEASE_FALLBACK_PATHS.includes(path);
}

/** os-release(5): KEY=value lines, values optionally quoted with shell-style escapes. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let v = line.slice(eq + 1).trim();
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
      const q = v[0];
      v = v.slice(1, -1);
      if (q === '"') v = v.replace(/\\([\\$"`])/g, '$1');
    }
    out[key] = v;
  }
  return out;
}

function fromOsRelease(kv: Record<string, string>, source: string): Distro | undefined {
  const id = kv.ID?.toLowerCase();
  if (!id) return undefined;
  const d: Distro = { id, idLike: (kv.ID_LIKE ?? '').split(/\s+/).filter(Boolean), source };
  if (kv.VERSION_ID) d.versionId = kv.VERSION_ID;
  if (kv.VERSION_CODENAME) d.versionCodename = kv.VERSION_CODENAME;
  if (kv.PRETTY_NAME) d.prettyName = kv.PRETTY_NAME;
  if (kv.NAME) d.name = kv.NAME;
  return d;
}

/** "12.5" → 12; "bookworm/sid" → codename only. */
export function fromDebianVersion(text: string, source: string): Distro {
  const t = text.trim();
  const m = /^(\d+)(?:\.\d+)*$/.exec(t);
  const d: Distro = { id: 'debian', idLike: [], source };
  if (m) d.versionId = m[1]!;
  else if (t) d.versionCodename = t.split('/')[0]!;
  return d;
}

export function fromRedhatRelease(text: string, source: string): Distro | undefined {
  const t = text.trim();
  const m = /^(.*?)\s+release\s+([\d.]+)/i.exec(t);
  if (!m) return undefined;
  const name = m[1]!.toLowerCase();
  const id = name.includes('red hat') ? 'rhel' : name.includes('centos') ? 'centos' : name.includes('fedora') ? 'fedora' : name.includes('rocky') ? 'rocky' : name.includes('alma') ? 'almalinux' : name.split(/\s+/)[0]!;
  return { id, versionId: m[2]!, idLike: [], prettyName: t, source };
}

export function distroOf(fs: FsIndex): Distro | undefined {
  for (const p of OS_RELEASE_PATHS) {
    const body = fs.content(p);
    if (body) {
      const d = fromOsRelease(parseOsRelease(body.toString('utf8')), p);
      if (d) return d;
    }
  }
  const alpine = fs.content('/etc/alpine-release');
  if (alpine) {
    const v = alpine.toString('utf8').trim();
    return { id: 'alpine', ...(v ? { versionId: v } : {}), idLike: [], source: '/etc/alpine-release' };
  }
  const deb = fs.content('/etc/debian_version');
  if (deb) return fromDebianVersion(deb.toString('utf8'), '/etc/debian_version');
  for (const p of ['/etc/redhat-release', '/etc/centos-release', '/etc/fedora-release']) {
    const body = fs.content(p);
    if (body) {
      const d = fromRedhatRelease(body.toString('utf8'), p);
      if (d) return d;
    }
  }
  return undefined;
}

/** The purl `distro=` qualifier: "<id>-<version_id>" (or codename when there is no version). */
export function distroQualifier(d: Distro | undefined): string | undefined {
  if (!d) return undefined;
  const v = d.versionId ?? d.versionCodename;
  return v ? `${d.id}-${v}` : d.id;
}
