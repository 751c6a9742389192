// Paths inside an image are always absolute, '/'-separated, without '.', '..', empty or
// trailing components. Tar member names come in every shape ("./etc/", "etc", "/etc//x"),
// so every path entering the index goes through `normalizePath` first. '..' is clamped at
// the root, as a chroot would: a name can never leave the image.

export function normalizePath(p: string): string {
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      out.pop();
      continue;
    }
    out.push(c);
  }
  return '/' + out.join('/');
}

/** Parent of a normalized path ('/' for top-level entries and for '/'). */
export function parentPath(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

export function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}
