// The one layer instrument adds: the sensor under /opt/_instrumented/ and an empty artifacts
// directory anyone can write. Where /opt (or a parent) is a symlink in the image, the files go
// where it points, because a directory entry for /opt in a new layer would hide the symlink.
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { CreachError } from '../errors.js';
import { sha256 } from '../image/digest.js';
import type { Image, Layer, Platform } from '../image/image.js';
import { layerSkeleton, type LayerEntry } from '../image/layer-entries.js';
import type { OpContext } from '../log.js';
import { tarStream, type TarSource } from '../image/tar/writer.js';
import { ARTIFACTS_DIR, SENSOR_PATH } from './config.js';

const ELF_MACHINE: Record<string, number> = { amd64: 62, arm64: 183 };
const MAX_HOPS = 40;

/** Check the sensor is a Linux ELF executable for `platform`'s architecture. */
export function checkSensor(sensor: Buffer, platform: Platform, where: string): void {
  if (sensor.length < 20 || sensor.readUInt32BE(0) !== 0x7f454c46) {
    throw new CreachError('SENSOR_INVALID', `${where} is not an ELF executable`, { hint: 'point --sensor-path at a static Linux sensor binary (make -C sensor)' });
  }
  const machine = sensor[5] === 2 ? sensor.readUInt16BE(18) : sensor.readUInt16LE(18);
  const want = ELF_MACHINE[platform.architecture];
  if (want === undefined) {
    throw new CreachError('PLATFORM_UNKNOWN', `no sensor for ${platform.os}/${platform.architecture}`, { hint: 'creach supports linux/amd64 and linux/arm64' });
  }
  if (machine !== want) {
    throw new CreachError('SENSOR_INVALID', `${where} is built for ELF machine ${machine}, not for ${platform.architecture}`, {
      hint: `use the ${platform.architecture === 'amd64' ? 'x86_64' : 'aarch64'} sensor for this platform`,
    });
  }
}

/** A merged view of the base layers, read from the top down and only as deep as a question needs. */
class MergedView {
  private layers: { entries: Map<string, LayerEntry>; whiteouts: Set<string>; opaque: Set<string> }[] = [];
  private next: number;
  constructor(
    private readonly base: Layer[],
    private readonly signal?: AbortSignal,
  ) {
    this.next = base.length - 1;
  }

  private async load(): Promise<boolean> {
    if (this.next < 0) return false;
    const entries = new Map<string, LayerEntry>();
    const whiteouts = new Set<string>();
    const opaque = new Set<string>();
    for (const e of await layerSkeleton(this.base[this.next--], { signal: this.signal })) {
      const slash = e.name.lastIndexOf('/');
      const dir = slash < 0 ? '' : e.name.slice(0, slash);
      const leaf = e.name.slice(slash + 1);
      if (leaf === '.wh..wh..opq') opaque.add(dir);
      else if (leaf.startsWith('.wh.')) whiteouts.add(dir ? `${dir}/${leaf.slice(4)}` : leaf.slice(4));
      else entries.set(e.name, e);
    }
    this.layers.push({ entries, whiteouts, opaque });
    return true;
  }

  /** What `path` is in the merged image (undefined: absent). */
  async lookup(path: string): Promise<LayerEntry | undefined> {
    for (let i = 0; ; i++) {
      if (i >= this.layers.length && !(await this.load())) return undefined;
      const l = this.layers[i];
      const hit = l.entries.get(path);
      if (hit) return hit;
      if (l.whiteouts.has(path)) return undefined;
      for (let p = path; p.includes('/'); ) {
        p = p.slice(0, p.lastIndexOf('/'));
        if (l.opaque.has(p)) return undefined;
      }
      if (l.opaque.has('')) return undefined;
    }
  }
}

/** Where `/opt/_instrumented` really lies in the image: the path with every symlink on it resolved, inside the root. */
export async function resolvePlacement(base: Image, opts: OpContext = {}): Promise<string[]> {
  const view = new MergedView(await base.layers(), opts.signal);
  const queue = SENSOR_PATH.split('/').slice(1, -1);
  const resolved: string[] = [];
  let hops = 0;
  while (queue.length) {
    const c = queue.shift()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      resolved.pop(); // never above the root
      continue;
    }
    const path = [...resolved, c].join('/');
    const e = await view.lookup(path);
    if (e?.type === 'symlink') {
      if (++hops > MAX_HOPS) throw new CreachError('CONFIG_INVALID', `/${path} is part of a symlink loop in the image`, { hint: 'the image cannot hold the sensor at /opt/_instrumented' });
      if (e.linkname.startsWith('/')) resolved.length = 0;
      queue.unshift(...e.linkname.split('/'));
      opts.log?.debug(`/${path} is a symlink to ${e.linkname}; the sensor goes where it points`);
      continue;
    }
    if (e && e.type !== 'dir') {
      throw new CreachError('CONFIG_INVALID', `/${path} is a file in the image, so the sensor cannot be placed under ${SENSOR_PATH}`, { hint: 'remove or rename that file in the image' });
    }
    resolved.push(c);
  }
  return resolved;
}

export interface SensorLayerOptions extends OpContext {
  sensor: Buffer;
  /** Resolved directory components for /opt/_instrumented (see resolvePlacement). */
  placement: string[];
  mtime: number;
  /** 'docker' to label the layer with Docker's media type (Docker v2 manifests), else OCI. */
  family: 'oci' | 'docker';
}

/** Build the sensor layer (small, so it is built once in memory and its digests computed once). */
export async function sensorLayer(opts: SensorLayerOptions): Promise<Layer> {
  const entries: TarSource[] = [];
  for (let i = 1; i <= opts.placement.length; i++) {
    entries.push({ name: `${opts.placement.slice(0, i).join('/')}/`, type: 'dir', mode: 0o755, mtime: opts.mtime });
  }
  const dir = opts.placement.join('/');
  const leaf = SENSOR_PATH.split('/').pop()!;
  entries.push({ name: `${dir}/${leaf}`, type: 'file', mode: 0o755, mtime: opts.mtime, body: opts.sensor });
  entries.push({ name: `${dir}/${ARTIFACTS_DIR.split('/').pop()}/`, type: 'dir', mode: 0o777, mtime: opts.mtime });
  const chunks: Buffer[] = [];
  for await (const c of tarStream(entries)) chunks.push(c);
  const tar = Buffer.concat(chunks);
  const gz = gzipSync(tar, { level: 6 });
  const diffId = sha256(tar);
  const digest = sha256(gz);
  const mediaType = opts.family === 'docker' ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip';
  return {
    digest: async () => digest,
    diffId: async () => diffId,
    size: async () => gz.length,
    mediaType: async () => mediaType,
    compression: async () => 'gzip',
    compressed: async () => Readable.from([gz]),
    uncompressed: async () => Readable.from([tar]),
  };
}
