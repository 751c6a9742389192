// Fixtures for the instrument and image I/O integration tests: a stand-in sensor and a tiny app
// compiled static for x86_64 and aarch64 in set-up, single-binary images in the engine, and
// in-memory images (one per platform, plus an attestation) for the multi-platform index.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sha256 } from '../../src/image/digest.js';
import type { ConfigFile, Image, ImageIndex, ImageOrIndex, IndexManifest, Manifest, Platform } from '../../src/image/image.js';
import { MediaType } from '../../src/image/image.js';
import { imageFromCore, indexFromCore } from '../../src/image/partial.js';
import { tarStream, type TarSource } from '../../src/image/tar/writer.js';
import { TarParser } from '../../src/image/tar/parser.js';
import { REPO_ROOT, run, type RunResult } from '../support/images.js';
import { assertValid } from '../support/validate.js';

export { REPO_ROOT };

export { creach } from '../support/cli.js';

export async function must(cmd: string, args: string[], input?: Buffer): Promise<string> {
  const r = await run(cmd, args, { input });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim().slice(-2000)}`);
  return r.stdout;
}

const SENSOR_C = `#include <stdio.h>
#include <string.h>
#include <unistd.h>
/* Stand-in for the creach sensor: announce itself, then exec the command after "--". */
int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      if (i + 1 >= argc) { fprintf(stderr, "test-sensor: nothing to run\\n"); return 127; }
      fprintf(stderr, "test-sensor: running %s\\n", argv[i + 1]);
      execv(argv[i + 1], argv + i + 1);
      perror("test-sensor: execv");
      return 127;
    }
  }
  fprintf(stderr, "test-sensor: no --\\n");
  return 2;
}
`;

const APP_C = `#include <stdio.h>
#include <stdlib.h>
/* Test app: prints its arguments and $GREETING. */
int main(int argc, char **argv) {
  const char *g = getenv("GREETING");
  printf("app greeting=%s args=", g ? g : "(unset)");
  for (int i = 1; i < argc; i++) printf("%s%s", i > 1 ? "," : "", argv[i]);
  printf("\\n");
  return 0;
}
`;

export interface Binaries {
  dir: string;
  /** Directory with creach-sensor-x86_64 and creach-sensor-aarch64 (stand-ins). */
  sensorDir: string;
  sensorX86: string;
  sensorArm: string;
  appX86: string;
  appArm: string;
}

export async function buildBinaries(): Promise<Binaries> {
  const dir = await mkdtemp(join(tmpdir(), 'creach-test-instrument-'));
  const sensorDir = join(dir, 'sensors');
  await mkdir(sensorDir);
  await writeFile(join(dir, 'sensor.c'), SENSOR_C);
  await writeFile(join(dir, 'app.c'), APP_C);
  const b: Binaries = {
    dir,
    sensorDir,
    sensorX86: join(sensorDir, 'creach-sensor-x86_64'),
    sensorArm: join(sensorDir, 'creach-sensor-aarch64'),
    appX86: join(dir, 'app-x86_64'),
    appArm: join(dir, 'app-aarch64'),
  };
  await must('gcc', ['-static', '-O2', '-o', b.sensorX86, join(dir, 'sensor.c')]);
  await must('aarch64-linux-gnu-gcc', ['-static', '-O2', '-o', b.sensorArm, join(dir, 'sensor.c')]);
  await must('gcc', ['-static', '-O2', '-o', b.appX86, join(dir, 'app.c')]);
  await must('aarch64-linux-gnu-gcc', ['-static', '-O2', '-o', b.appArm, join(dir, 'app.c')]);
  return b;
}

export async function tarBuffer(entries: TarSource[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of tarStream(entries)) chunks.push(c);
  return Buffer.concat(chunks);
}

/** The root filesystem of the test app: /bin/app, and optionally /opt as a symlink to /srv/opt. */
export async function appRootfs(app: Buffer, opts: { optSymlink?: boolean } = {}): Promise<Buffer> {
  const entries: TarSource[] = [
    { name: 'bin/', type: 'dir', mode: 0o755 },
    { name: 'bin/app', body: app, mode: 0o755 },
  ];
  if (opts.optSymlink) {
    entries.push({ name: 'srv/', type: 'dir', mode: 0o755 }, { name: 'srv/opt/', type: 'dir', mode: 0o755 });
    entries.push({ name: 'srv/opt/keep.txt', body: Buffer.from('kept\n') });
    entries.push({ name: 'opt', type: 'symlink', linkname: 'srv/opt' });
  }
  return tarBuffer(entries);
}

export const APP_CONFIG = { Entrypoint: ['/bin/app'], Cmd: ['one', 'two'], Env: ['GREETING=hello', 'PATH=/bin'] };

/** Import the app as an engine image with Entrypoint /bin/app, Cmd [one two], GREETING=hello. */
export async function importAppImage(tag: string, app: Buffer, opts: { optSymlink?: boolean } = {}): Promise<void> {
  const rootfs = await appRootfs(app, opts);
  await must('docker', ['import', '-c', 'ENTRYPOINT ["/bin/app"]', '-c', 'CMD ["one","two"]', '-c', 'ENV GREETING=hello', '-', tag], rootfs);
}

/** An in-memory image of the app for `platform` (real gzip layer, real config). */
export async function appImage(app: Buffer, platform: Platform): Promise<Image> {
  const tar = await appRootfs(app);
  const gz = gzipSync(tar);
  const config: ConfigFile = {
    architecture: platform.architecture,
    os: platform.os,
    config: { ...APP_CONFIG },
    rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    history: [{ created: '2024-01-01T00:00:00Z', created_by: 'creach test fixture' }],
  };
  const rawConfig = Buffer.from(JSON.stringify(config));
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OCI_MANIFEST,
    config: { mediaType: MediaType.OCI_CONFIG, digest: sha256(rawConfig), size: rawConfig.length },
    layers: [{ mediaType: MediaType.OCI_LAYER_GZIP, digest: sha256(gz), size: gz.length }],
  };
  const raw = Buffer.from(JSON.stringify(manifest));
  return imageFromCore({ rawManifest: async () => raw, rawConfigFile: async () => rawConfig, blob: async () => Readable.from([gz]) });
}

/** A BuildKit-style attestation manifest for `subject`. */
async function attestation(subjectDigest: string): Promise<Image> {
  const body = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: 'https://spdx.dev/Document', subject: [] }));
  const rawConfig = Buffer.from(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(body)] } }));
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OCI_MANIFEST,
    config: { mediaType: MediaType.OCI_CONFIG, digest: sha256(rawConfig), size: rawConfig.length },
    layers: [{ mediaType: 'application/vnd.in-toto+json', digest: sha256(body), size: body.length, annotations: { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' } }],
  };
  const raw = Buffer.from(JSON.stringify(manifest));
  void subjectDigest;
  return imageFromCore({ rawManifest: async () => raw, rawConfigFile: async () => rawConfig, blob: async () => Readable.from([body]) });
}

/** amd64 + arm64 app images and one attestation manifest, as BuildKit pushes them. */
export async function multiPlatformIndex(b: Binaries): Promise<ImageIndex> {
  const amd = await appImage(await readFile(b.appX86), { os: 'linux', architecture: 'amd64' });
  const arm = await appImage(await readFile(b.appArm), { os: 'linux', architecture: 'arm64' });
  const att = await attestation(await amd.digest());
  const children = new Map<string, Image>([
    [await amd.digest(), amd],
    [await arm.digest(), arm],
    [await att.digest(), att],
  ]);
  const index: IndexManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OCI_INDEX,
    manifests: [
      { mediaType: MediaType.OCI_MANIFEST, digest: await amd.digest(), size: (await amd.rawManifest()).length, platform: { os: 'linux', architecture: 'amd64' } },
      { mediaType: MediaType.OCI_MANIFEST, digest: await arm.digest(), size: (await arm.rawManifest()).length, platform: { os: 'linux', architecture: 'arm64' } },
      {
        mediaType: MediaType.OCI_MANIFEST,
        digest: await att.digest(),
        size: (await att.rawManifest()).length,
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': await amd.digest() },
      },
    ],
  };
  const raw = Buffer.from(JSON.stringify(index));
  return indexFromCore({
    rawManifest: async () => raw,
    child: async (d) => children.get(d)!.rawManifest(),
    childImage: async (d) => children.get(d)!,
  });
}

/** Files (name → body) of a layer, read from its uncompressed stream. */
export async function layerFiles(image: Image, index: number): Promise<Map<string, { type: string; mode: number; body?: Buffer; linkname: string }>> {
  const layers = await image.layers();
  const layer = layers[index < 0 ? layers.length + index : index];
  const out = new Map<string, { type: string; mode: number; body?: Buffer; linkname: string }>();
  const parser = new TarParser({
    entry: (e) => ({
      capture: true,
      done: (body) => out.set(e.name.replace(/\/$/, ''), { type: e.flag, mode: e.mode, body, linkname: e.linkname }),
    }),
  });
  for await (const c of await layer.uncompressed()) parser.push(c as Buffer);
  parser.finish();
  return out;
}

/** ELF e_machine of a binary (62 x86_64, 183 aarch64). */
export function elfMachine(bin: Buffer): number {
  return bin[5] === 2 ? bin.readUInt16BE(18) : bin.readUInt16LE(18);
}

export async function validate(what: ImageOrIndex): Promise<void> {
  await assertValid(what);
}

export { gunzipSync };
