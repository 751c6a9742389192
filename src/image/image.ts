// The one read-only image model every source produces and every sink consumes
// (after go-containerregistry's v1.Image / v1.Layer / v1.ImageIndex). Nothing here mutates:
// src/instrument/ wraps an Image in a new one, and sinks pass unchanged layers through.
import type { Readable } from 'node:stream';

export const MediaType = {
  OCI_INDEX: 'application/vnd.oci.image.index.v1+json',
  OCI_MANIFEST: 'application/vnd.oci.image.manifest.v1+json',
  OCI_CONFIG: 'application/vnd.oci.image.config.v1+json',
  OCI_LAYER: 'application/vnd.oci.image.layer.v1.tar',
  OCI_LAYER_GZIP: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OCI_LAYER_ZSTD: 'application/vnd.oci.image.layer.v1.tar+zstd',
  OCI_LAYER_NONDIST_GZIP: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  DOCKER_MANIFEST_LIST: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DOCKER_MANIFEST: 'application/vnd.docker.distribution.manifest.v2+json',
  DOCKER_CONFIG: 'application/vnd.docker.container.image.v1+json',
  DOCKER_LAYER_GZIP: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DOCKER_FOREIGN_LAYER: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  /** What `docker save` (legacy layout) stores: plain tar, digest == diffID. */
  DOCKER_LAYER_TAR: 'application/vnd.docker.image.rootfs.diff.tar',
} as const;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  urls?: string[];
  artifactType?: string;
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
  artifactType?: string;
}

export interface IndexManifest {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The runtime config of an image (OCI image config `config` object, Docker's field names). */
export interface ContainerConfig {
  User?: string;
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
  [key: string]: unknown;
}

export interface ConfigFile {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  config: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

export type Compression = 'none' | 'gzip' | 'zstd';

/** One layer. Streams can be opened any number of times (sources reopen the underlying file or URL). */
export interface Layer {
  /** Digest of the blob as stored/transferred (what the manifest lists). */
  digest(): Promise<string>;
  /** Digest of the uncompressed tar (what the config's rootfs.diff_ids lists). */
  diffId(): Promise<string>;
  /** Size in bytes of the blob as stored/transferred. */
  size(): Promise<number>;
  mediaType(): Promise<string>;
  compression(): Promise<Compression>;
  /** The blob bytes exactly as the manifest's digest names them. */
  compressed(): Promise<Readable>;
  /** The layer's tar stream, decompressed. */
  uncompressed(): Promise<Readable>;
}

export interface Image {
  mediaType(): Promise<string>;
  /** Digest of the raw manifest. */
  digest(): Promise<string>;
  rawManifest(): Promise<Buffer>;
  manifest(): Promise<Manifest>;
  /** Digest of the raw config blob ("image ID" in Docker terms). */
  configName(): Promise<string>;
  rawConfigFile(): Promise<Buffer>;
  configFile(): Promise<ConfigFile>;
  /** Layers, base first. */
  layers(): Promise<Layer[]>;
  layerByDigest(digest: string): Promise<Layer>;
}

export interface ImageIndex {
  mediaType(): Promise<string>;
  digest(): Promise<string>;
  rawManifest(): Promise<Buffer>;
  indexManifest(): Promise<IndexManifest>;
  image(digest: string): Promise<Image>;
  imageIndex(digest: string): Promise<ImageIndex>;
}

/** What a source hands back: a single image or a multi-platform index. */
export type ImageOrIndex = { kind: 'image'; image: Image } | { kind: 'index'; index: ImageIndex };

export function isIndexMediaType(mt: string | undefined): boolean {
  return mt === MediaType.OCI_INDEX || mt === MediaType.DOCKER_MANIFEST_LIST;
}

export function isManifestMediaType(mt: string | undefined): boolean {
  return mt === MediaType.OCI_MANIFEST || mt === MediaType.DOCKER_MANIFEST;
}

export function platformString(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}
