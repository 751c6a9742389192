// The end-to-end promise of `creach container scan`: nginx, built here from Debian packages,
// runs under the real sensor in Docker, serves a real request, is stopped; its report is copied
// out and the original image is scanned. nginx and the libraries it loads (TLS: libssl3, PCRE:
// libpcre2-8-0, zlib: zlib1g) must be reachable, found through the merged-/usr paths the
// dynamic loader uses (/lib/x86_64-linux-gnu/… while dpkg lists /usr/lib/…, or the reverse),
// and the package managers and other unused packages unreachable.
//
// The image is instrumented by `creach container instrument --load-instrumented-image` (the
// sensor layer and entrypoint as users get them), run as users run it (`docker run IMAGE`, the
// original Cmd), and the report copied out with `docker cp`.
// --cap-add SYS_PTRACE: nginx's workers switch to www-data; without the capability the sensor
// cannot read their /proc entries, the report says "incomplete", and scan then (rightly) calls
// nothing unreachable. The capability makes the record complete.
import { readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanPackage, ScanResult } from '../../src/scan/result.js';
import { REPO_ROOT, cleanup, ensureTestImage, freePort, httpGetWhenUp, nginxSiteArgs, uniqueName, waitFor, docker } from '../support/images.js';
import { REPORT_IN_IMAGE, SENSOR_IN_IMAGE, configDigest, creach, dockerOk, profileDir } from './scan-support.js';

const trash = cleanup();
let image = '';
let instrumented = '';
let digest = '';
let profiles = '';
let result: ScanResult;
let reportText = '';

function pkg(name: string): ScanPackage {
  const p = result.packages.find((x) => x.name === name);
  if (!p) throw new Error(`package ${name} not in the scan result (${result.packages.length} packages)`);
  return p;
}

beforeAll(async () => {
  image = await ensureTestImage('nginx');
  digest = await configDigest(image);
  const port = await freePort();
  const name = trash.container(uniqueName('scan-nginx'));
  const dirs = await profileDir(name);
  profiles = trash.path(dirs.root);

  // A tag of our own, so parallel tests instrumenting the same test image do not collide.
  const alias = trash.image(`${name}:1`);
  await dockerOk(['tag', image, alias]);
  instrumented = trash.image(`${alias}-instrumented`);
  const inst = await creach(['container', 'instrument', '--image', alias, '--load-instrumented-image']);
  if (inst.code !== 0) throw new Error(`instrument failed (${inst.code}): ${inst.stderr}`);
  const entrypoint = JSON.parse(await dockerOk(['image', 'inspect', '--format', '{{json .Config.Entrypoint}}', instrumented])) as string[];
  expect(entrypoint.slice(0, 2)).toEqual([SENSOR_IN_IMAGE, 'run']);
  expect(entrypoint).toContain(digest);

  await dockerOk(['run', '-d', '--name', name, '--network', 'host', '--cap-add', 'SYS_PTRACE', ...(await nginxSiteArgs(port)), instrumented]);
  // A real request from the host: the worker opens the page and writes the access log.
  const body = await httpGetWhenUp(port, '/', 60_000);
  expect(body).toContain('creach test page');
  await dockerOk(['stop', '--time', '20', name]);
  await waitFor('container to exit', async () => ((await docker(['inspect', '-f', '{{.State.Running}}', name])).stdout.trim() === 'false' ? true : undefined));
  await dockerOk(['cp', `${name}:${REPORT_IN_IMAGE}`, join(dirs.reportDir, 'creport.json')]);
  reportText = await readFile(join(dirs.reportDir, 'creport.json'), 'utf8');

  const out = join(profiles, 'result.json');
  const r = await creach(['container', 'scan', '--image', image, '--os-reachability', '--profiling-data-dir', profiles, '--output-type', 'json', '--output-file', out]);
  if (r.code !== 0) throw new Error(`scan failed (${r.code}): ${r.stderr}`);
  result = JSON.parse(await readFile(out, 'utf8')) as ScanResult;
});

afterAll(() => trash.run());

describe('scan of nginx profiled by the real sensor', () => {
  it('the sensor recorded a complete, final report for this image', () => {
    const report = JSON.parse(reportText);
    expect(report.final).toBe(true);
    expect(report.image.configDigest).toBe(digest);
    expect({ complete: report.complete, reasons: report.incompleteReasons ?? [] }).toEqual({ complete: true, reasons: [] });
    expect(result.profiles).toMatchObject({ count: 1, used: 1, complete: true, mismatched: 0 });
    expect(result.profiles.items[0].pairing).toBe('match');
    expect(result.image.configDigest).toBe(digest);
    expect(result.distro).toMatchObject({ id: 'debian', versionId: '12' });
  });

  it('finds nginx reachable, executed', () => {
    const nginx = pkg('nginx');
    expect(nginx.reachability).toBe('reachable');
    expect(nginx.evidence).toContainEqual(expect.objectContaining({ path: '/usr/sbin/nginx', ops: expect.arrayContaining(['exec']) }));
  });

  it('finds its TLS, PCRE and zlib libraries reachable through merged-/usr paths', () => {
    for (const [name, lib] of [
      ['libssl3', 'libssl.so.3'],
      ['libpcre2-8-0', 'libpcre2-8.so.0'],
      ['zlib1g', 'libz.so.1'],
    ]) {
      const p = pkg(name);
      expect(p.reachability, `${name}: ${p.reason}`).toBe('reachable');
      const ev = p.evidence.filter((e) => e.path.startsWith(`/usr/lib/x86_64-linux-gnu/${lib}`));
      expect(ev.length, `${name} evidence: ${JSON.stringify(p.evidence)}`).toBeGreaterThan(0);
      expect(ev.some((e) => e.ops.includes('mmap') || e.ops.includes('read'))).toBe(true);
      // Canonical path in /usr/lib, recorded by the loader under /lib (a symlink into /usr).
      const named = p.evidence.flatMap((e) => [e.path, ...e.recordedAs]);
      expect(named.some((x) => x.startsWith('/lib/x86_64-linux-gnu/')), `${name} recorded as ${named.join(', ')}`).toBe(true);
    }
  });

  it('shows package managers and other unused packages unreachable', () => {
    for (const name of ['dpkg', 'apt', 'perl-base', 'bash', 'coreutils', 'gpgv', 'e2fsprogs']) {
      const p = pkg(name);
      expect(p.reachability, `${name}: ${p.reason}`).toBe('unreachable');
      expect(p.evidence.filter((e) => e.ops.some((o) => o !== 'write' && o !== 'stat'))).toEqual([]);
    }
    expect(result.counts.unreachable).toBeGreaterThan(50);
    expect(result.counts.unknown).toBe(0);
    expect(result.counts.total).toBe(result.packages.length);
  });

  it('writes a JSON result valid against docs/scan-result.schema.json', async () => {
    const schema = JSON.parse(await readFile(join(REPO_ROOT, 'docs/scan-result.schema.json'), 'utf8'));
    const ajv = new Ajv2020({ allErrors: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    const validate = ajv.compile(schema);
    expect(validate(result) ? '' : ajv.errorsText(validate.errors)).toBe('');
  });

  it('renders a table (counts first) of the instrumented image, whose label pairs it with the report; and CycloneDX', async () => {
    const table = await creach(['container', 'scan', '--image', instrumented, '--os-reachability', '--profiling-data-dir', profiles, '--output-type', 'table']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stderr).not.toMatch(/warning/);
    expect(table.stdout).toMatch(/profiles: 1 used of 1; mode [^;]+; complete/);
    const lines = table.stdout.split('\n');
    expect(lines[2]).toMatch(/^\d+ packages: \d+ reachable/);
    expect(table.stdout).toMatch(/^REACHABLE \(\d+\)$/m);
    expect(table.stdout).toMatch(/^\s+libssl3\s/m);

    const cdxFile = join(profiles, 'bom.json');
    const cdx = await creach(['container', 'scan', '--image', image, '--os-reachability', '--output-type', 'cyclonedx', '--output-file', cdxFile], {
      CREACH_CONTAINER_SCAN_PROFILING_DATA_DIR: profiles,
    });
    expect(cdx.code, cdx.stderr).toBe(0);
    const bom = JSON.parse(await readFile(cdxFile, 'utf8'));
    const ssl = bom.components.find((c: { name: string }) => c.name === 'libssl3');
    expect(ssl.properties).toContainEqual({ name: 'creach:reachability', value: 'reachable' });
    expect(ssl.purl).toMatch(/^pkg:deb\/debian\/libssl3@.*arch=amd64/);
    const dpkg = bom.components.find((c: { name: string }) => c.name === 'dpkg');
    expect(dpkg.properties).toContainEqual({ name: 'creach:reachability', value: 'unreachable' });
  });

  it('a report from another image: warning and unknown by default, exit 1 with --strict', async () => {
    const base = await ensureTestImage('base');
    const warn = await creach(['container', 'scan', '--image', base, '--os-reachability', '--profiling-data-dir', profiles, '--output-type', 'json']);
    expect(warn.code, warn.stderr).toBe(0);
    expect(warn.stderr).toContain(`was recorded on image ${digest}`);
    const r = JSON.parse(warn.stdout) as ScanResult;
    expect(r.profiles.mismatched).toBe(1);
    expect(new Set(r.packages.map((p) => p.reachability))).toEqual(new Set(['unknown']));

    const strict = await creach(['container', 'scan', '--image', base, '--os-reachability', '--profiling-data-dir', profiles, '--strict', '--output-type', 'json']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toBe('');
    expect(strict.stderr).toMatch(/^creach: error: .*creport\.json was recorded on image sha256:[0-9a-f]{64}.*not on the scanned image/m);
  });

  it('a report that is not JSON: exit 1, one line naming the file and where', async () => {
    const bad = join(profiles, 'broken', 'creport.json');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(profiles, 'broken'), { recursive: true }));
    await writeFile(bad, reportText.slice(0, Math.floor(reportText.length / 2)));
    try {
      const r = await creach(['container', 'scan', '--image', image, '--os-reachability', '--profiling-data-dir', profiles]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^creach: error: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON at (the end|line \\d+, column \\d+)`, 'm'));
      // it failed before reading the image: no export progress
      expect(r.stderr).not.toMatch(/exporting/);
    } finally {
      await rm(join(profiles, 'broken'), { recursive: true, force: true });
    }
  });
});
