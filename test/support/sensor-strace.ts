// Ground truth for the sensor fidelity tests: parse `strace -f -y -qq -e trace=%file,%process,fchdir`
// output into the files a workload successfully opened or executed, as absolute paths.
// -y makes strace decorate fds with their paths (`3</etc/passwd>`, `AT_FDCWD</tmp>`), so opens
// are resolved by the kernel; only execve of a relative path needs the cwd, which is tracked per
// pid through chdir/fchdir and inherited across fork/clone.
import path from 'node:path';

export type StraceOp = 'read' | 'write' | 'exec';

export interface StraceEvent {
  pid: number;
  syscall: string;
  op: StraceOp;
  /** Absolute path as the program named it (dirfd/cwd applied), when it can be known. */
  path: string;
  /** For opens: the path the kernel resolved (symlinks followed), from strace's fd decoration. */
  resolved?: string;
  /** O_RDWR opens count as either read or write. */
  readWrite?: boolean;
  /** For execs: the new argv. */
  argv?: string[];
  /** Only with includeFailed: the call failed (ENOENT, EACCES…); path is the named path. */
  failed?: boolean;
}

interface Line {
  pid: number;
  syscall: string;
  args: string;
  ret: string;
  retDecoration?: string;
}

/** Splits one complete strace line `PID name(args) = ret<deco> ...`. */
function parseLine(raw: string): Line | undefined {
  const m = /^(\d+)\s+([a-z0-9_]+)\((.*)\)\s+=\s+(-?\d+|\?|0x[0-9a-f]+)(<(?:[^>\\]|\\.)*>)?/.exec(raw);
  if (!m) return undefined;
  return {
    pid: Number(m[1]),
    syscall: m[2]!,
    args: m[3]!,
    ret: m[4]!,
    retDecoration: m[5] ? unescape(m[5].slice(1, -1)) : undefined,
  };
}

/** Reassembles `<unfinished ...>` / `<... name resumed>` pairs, which -f interleaves. */
export function joinResumed(text: string): string[] {
  const pending = new Map<number, string>();
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const m = /^(\d+)\s+(.*)$/.exec(raw);
    if (!m) continue;
    const pid = Number(m[1]);
    const rest = m[2]!;
    if (rest.endsWith('<unfinished ...>')) {
      pending.set(pid, rest.slice(0, -'<unfinished ...>'.length).trimEnd());
      continue;
    }
    const resumed = /^<\.\.\. [a-z0-9_]+ resumed>\s?(.*)$/.exec(rest);
    if (resumed) {
      const head = pending.get(pid) ?? '';
      pending.delete(pid);
      const tail = resumed[1]!;
      // strace prints "..., " before unfinished when args continue; join without doubling commas.
      out.push(`${pid} ${head}${head.endsWith(',') || tail.startsWith(')') || tail.startsWith(',') ? '' : ' '}${tail}`);
      continue;
    }
    out.push(`${pid} ${rest}`);
  }
  return out;
}

/**
 * C-style string escapes as strace prints them. strace escapes bytes, not characters (UTF-8 comes
 * out as octal escapes), so unescape to bytes and decode as UTF-8; invalid UTF-8 becomes U+FFFD.
 */
export function unescape(s: string): string {
  const bytes: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, v: 11, f: 12, '"': 34, '\\': 92, a: 7, b: 8, e: 27 };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i + 1 >= s.length) {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const rest = s.slice(i + 1);
    const hex = /^x([0-9a-fA-F]{2})/.exec(rest);
    const oct = /^([0-7]{1,3})/.exec(rest);
    if (hex) {
      bytes.push(parseInt(hex[1]!, 16));
      i += hex[0].length;
    } else if (oct) {
      bytes.push(parseInt(oct[1]!, 8));
      i += oct[0].length;
    } else {
      const e = rest[0]!;
      bytes.push(simple[e] ?? e.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Splits the top-level arguments of a syscall (commas inside quotes, [], {} stay). */
export function splitArgs(args: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inStr = false;
  let cur = '';
  for (let i = 0; i < args.length; i++) {
    const c = args[i]!;
    if (inStr) {
      cur += c;
      if (c === '\\') cur += args[++i] ?? '';
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '[' || c === '{' || c === '(') depth++;
    else if (c === ']' || c === '}' || c === ')') depth--;
    else if (c === '<') {
      // fd decorations such as 3</path, with, commas> are one unit
      const end = findDecorationEnd(args, i);
      cur += args.slice(i, end + 1);
      i = end;
      continue;
    }
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

function findDecorationEnd(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '\\') { i++; continue; }
    if (s[i] === '>') return i;
  }
  return s.length - 1;
}

function quoted(arg: string | undefined): string | undefined {
  if (!arg) return undefined;
  const m = /^"((?:[^"\\]|\\.)*)"(\.\.\.)?$/.exec(arg);
  return m ? unescape(m[1]!) : undefined;
}

/** `3</w/probe>` or `AT_FDCWD</tmp>` → the decorated path. */
function fdPath(arg: string | undefined): string | undefined {
  if (!arg) return undefined;
  const m = /^(?:-?\d+|AT_FDCWD)<((?:[^>\\]|\\.)*)>$/.exec(arg);
  return m ? unescape(m[1]!) : undefined;
}

function flagsOp(flags: string): { op: StraceOp; readWrite?: boolean } | undefined {
  if (/O_DIRECTORY|O_PATH/.test(flags)) return undefined;
  if (/O_RDWR/.test(flags)) return { op: 'write', readWrite: true };
  if (/O_WRONLY|O_CREAT|O_TRUNC/.test(flags)) return { op: 'write' };
  return { op: 'read' };
}

export interface ParseOptions {
  /** The workload's initial cwd (docker run -w; `/` by default). */
  cwd?: string;
  /** Also return failed opens/execs (with failed: true), e.g. to check they are not reported as use. */
  includeFailed?: boolean;
}

/** Every successful open/exec of a path, in order. Failed calls and fds that are not paths are dropped. */
export function parseStrace(text: string, opts: ParseOptions = {}): StraceEvent[] {
  // cwd and root are kept as seen from outside any chroot (as strace's -y decorations are), so a
  // chrooted process's absolute names are joined to its root.
  const cwd = new Map<number, string>();
  const root = new Map<number, string>();
  const initial = opts.cwd ?? '/';
  const cwdOf = (pid: number) => cwd.get(pid) ?? initial;
  const rootOf = (pid: number) => root.get(pid) ?? '/';
  const resolveIn = (pid: number, base: string, named: string) =>
    named.startsWith('/') ? path.posix.join(rootOf(pid), named) : path.posix.resolve(base, named);
  const events: StraceEvent[] = [];
  for (const raw of joinResumed(text)) {
    const line = parseLine(raw);
    if (!line) continue;
    const a = splitArgs(line.args);
    const ok = line.ret !== '?' && !line.ret.startsWith('-');
    switch (line.syscall) {
      case 'clone':
      case 'clone3':
      case 'fork':
      case 'vfork': {
        const child = Number(line.ret);
        if (ok && child > 0) {
          cwd.set(child, cwdOf(line.pid));
          root.set(child, rootOf(line.pid));
        }
        break;
      }
      case 'chdir': {
        const p = quoted(a[0]);
        if (ok && p !== undefined) cwd.set(line.pid, resolveIn(line.pid, cwdOf(line.pid), p));
        break;
      }
      case 'chroot': {
        const p = quoted(a[0]);
        if (ok && p !== undefined) root.set(line.pid, resolveIn(line.pid, cwdOf(line.pid), p));
        break;
      }
      case 'fchdir': {
        const p = fdPath(a[0]);
        if (ok && p) cwd.set(line.pid, p);
        break;
      }
      case 'open':
      case 'creat':
      case 'openat':
      case 'openat2': {
        if (!ok) {
          const named = quoted(line.syscall === 'open' || line.syscall === 'creat' ? a[0] : a[1]);
          const base = line.syscall === 'open' || line.syscall === 'creat' ? cwdOf(line.pid) : fdPath(a[0]);
          if (opts.includeFailed && named !== undefined && base !== undefined)
            events.push({ pid: line.pid, syscall: line.syscall, path: resolveIn(line.pid, base, named), op: 'read', failed: true });
          break;
        }
        const flags = line.syscall === 'open' ? a[1] ?? '' : line.syscall === 'creat' ? 'O_CREAT|O_WRONLY|O_TRUNC' : line.syscall === 'openat' ? a[2] ?? '' : a[2] ?? '';
        const kind = flagsOp(flags);
        const resolved = line.retDecoration;
        if (!kind || !resolved || !resolved.startsWith('/')) break; // pipes, sockets, anon inodes
        const named = quoted(line.syscall === 'open' || line.syscall === 'creat' ? a[0] : a[1]);
        const base = line.syscall === 'open' || line.syscall === 'creat' ? cwdOf(line.pid) : fdPath(a[0]);
        const p = named !== undefined && base !== undefined ? resolveIn(line.pid, base, named) : resolved;
        events.push({ pid: line.pid, syscall: line.syscall, path: p, resolved, ...kind });
        break;
      }
      case 'execve':
      case 'execveat': {
        if (line.ret !== '0' && !opts.includeFailed) break;
        let p: string | undefined;
        if (line.syscall === 'execve') {
          const named = quoted(a[0]);
          if (named !== undefined) p = resolveIn(line.pid, cwdOf(line.pid), named);
        } else {
          const dir = fdPath(a[0]);
          const named = quoted(a[1]);
          const emptyPath = /AT_EMPTY_PATH/.test(a[4] ?? '');
          if (emptyPath && named === '' && dir) p = dir;
          else if (dir !== undefined && named !== undefined) p = resolveIn(line.pid, dir, named);
        }
        const arr = a[line.syscall === 'execve' ? 1 : 2] ?? '';
        const argv = arr.startsWith('[') && arr.endsWith(']') && !arr.endsWith('...]')
          ? splitArgs(arr.slice(1, -1)).map((x) => quoted(x) ?? x)
          : undefined;
        if (p && line.ret !== '0') events.push({ pid: line.pid, syscall: line.syscall, path: p, op: 'exec', failed: true });
        else if (p) events.push({ pid: line.pid, syscall: line.syscall, path: p, op: 'exec', argv });
        break;
      }
      default:
        break;
    }
  }
  return events;
}

/** The files a fidelity test must find in the report: regular files outside /proc, /sys, /dev. */
export function expectedFiles(events: StraceEvent[], directories: Set<string>): StraceEvent[] {
  const seen = new Set<string>();
  const out: StraceEvent[] = [];
  for (const e of events) {
    // What counts is the file the kernel opened: /proc/self/root/etc/x is /etc/x, while a named
    // path outside /proc that resolves into it (a symlink to /proc/…) is left out.
    const real = e.resolved ?? e.path;
    if (/^\/(proc|sys|dev)(\/|$)/.test(real)) continue;
    if (/\/#\d+ \(deleted\)$/.test(real)) continue; // O_TMPFILE: an anonymous file, never in the image
    if (directories.has(real)) continue;
    const key = `${e.op}${e.readWrite ? '+rw' : ''} ${e.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}
