// The one model every output encodes (src/output/<format>/encode.ts) and the store keeps.
// Encoders read only this; they never reach back into the image, catalog or profiles.
// Its JSON form is documented in docs/scan-result.schema.json ("creach.scan-result/v1").
import type { FileOp } from '../reach/profile/profile.js';
import type { FileEvidence, ImagePairing, Reachability } from '../reach/states.js';

export const SCAN_RESULT_SCHEMA = 'creach.scan-result/v1';

export interface ScanImage {
  /** What the user passed (--image or --image-tar). */
  reference: string;
  /** sha256 of the image config ("image ID"): what reports are paired against. */
  configDigest: string;
  manifestDigest?: string;
  platform: string;
  layers: number;
  /** The reference the image was instrumented from, when scanning an instrumented image. */
  originalReference?: string;
  /** io.creach.original.config-digest of an instrumented image: its reports name this digest. */
  originalConfigDigest?: string;
}

export interface ScanDistro {
  id: string;
  versionId?: string;
  name?: string;
  prettyName?: string;
}

export interface ScanPackage {
  id: string;
  type: 'deb' | 'apk' | 'rpm';
  name: string;
  version: string;
  arch?: string;
  sourceName?: string;
  sourceVersion?: string;
  purl: string;
  /** How many files the package database lists for it (directories included). */
  fileCount: number;
  reachability: Reachability;
  reason: string;
  evidence: FileEvidence[];
}

export interface ScanProfile {
  source: string;
  producer: 'creach' | 'mint';
  mode: string;
  complete: boolean;
  incompleteReasons: string[];
  dropped: { paths: number; processes: number; events: number; unreadableProcesses: number };
  imageReference?: string;
  imageConfigDigest?: string;
  pairing: ImagePairing;
  used: boolean;
  paths: number;
}

export interface ScanGap {
  /** Which stage found it: fs (layers, symlinks), catalog, profile. */
  stage: string;
  /** The file, layer or path concerned, when there is one. */
  where?: string;
  message: string;
}

export interface ScanResult {
  schema: typeof SCAN_RESULT_SCHEMA;
  tool: { name: 'creach'; version: string };
  createdAt: string;
  projectName?: string;
  namespace?: string;
  image: ScanImage;
  distro?: ScanDistro;
  /** Whether --os-reachability was asked for; without it every package is unknown. */
  osReachability: boolean;
  profiles: {
    count: number;
    used: number;
    /** True when every used profile is complete and none was set aside: "unreachable" is meaningful. */
    complete: boolean;
    modes: string[];
    dropped: { paths: number; processes: number; events: number; unreadableProcesses: number };
    mismatched: number;
    items: ScanProfile[];
  };
  counts: Record<Reachability, number> & { total: number };
  /** Sorted by state (reachable first), then name, version, arch. */
  packages: ScanPackage[];
  /** Files that ran or were read but belong to no OS package (the app, language packages). */
  unownedFiles: FileEvidence[];
  gaps: ScanGap[];
  warnings: string[];
}

export type { FileEvidence, FileOp, Reachability };
