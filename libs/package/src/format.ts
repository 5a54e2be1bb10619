/**
 * The inspection package's file layout and the shapes both its generator and its verifier read
 * (要點 十二(五)). Nothing here touches a store, a key vault or a framework.
 */
export const PACKAGE_FORMAT = 'webir-ledger/inspection-package/v1';
/**
 * The generator's version, named in the manifest. Each version has its own section set (what sections
 * and CSVs a package of that version holds, and the builders that made them: see SECTION_SETS), and
 * the verifier checks a package by its own version's rules, so a package made by an older generator
 * keeps verifying. A change to what a package holds or to how a section is built is a new version.
 */
export const GENERATOR_NAME = 'webir-ledger-package';
/** 1.0.0: sections 01–14 and 99; 1.1.0: adds 15-異常與調查 (anomalies and investigations). */
export const GENERATOR_VERSIONS = ['1.0.0', '1.1.0'] as const;
export type GeneratorVersion = (typeof GENERATOR_VERSIONS)[number];
export const CURRENT_GENERATOR_VERSION: GeneratorVersion = '1.1.0';
export const generatorName = (version: GeneratorVersion) => `${GENERATOR_NAME} ${version}`;
export const GENERATOR_VERSION = generatorName(CURRENT_GENERATOR_VERSION);

/** The version a manifest's `generator` names, if it is one this code knows. */
export function generatorVersionOf(generator: unknown): GeneratorVersion | undefined {
  return GENERATOR_VERSIONS.find((v) => generator === generatorName(v));
}

export const FILES = {
  report: 'report.pdf',
  events: 'events.jsonl',
  proofs: 'proofs.json',
  manifest: 'manifest.json',
  readme: '說明.txt',
} as const;

/** Deadlines the obligations section was computed with (the ledger's configuration at generation). */
export interface PackageDeadlines {
  bliNoticeDays: number;
  accessReviewMonths: number;
  usageReviewMonths: number;
  trainingMonths: number;
}

export interface PackageParameters {
  agencyCode: string;
  /** Asia/Taipei calendar days, inclusive. */
  from: string;
  to: string;
  /** Holder columns: masked, or revealed for a recorded purpose (要點 八). */
  holders: 'masked' | 'revealed';
  purpose: string | null;
  deadlines: PackageDeadlines;
}

export interface ManifestFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface Manifest {
  format: typeof PACKAGE_FORMAT;
  generator: string;
  /** Ledger time the package was made (UTC). */
  generatedAt: string;
  parameters: PackageParameters;
  checkpoint: { origin: string; treeSize: number; rootHash: string; keyName: string; keyId: string };
  events: number;
  /** One entry per section: its CSV and the row count the report states. */
  sections: { id: string; title: string; rule: string; file: string; rows: number }[];
  files: ManifestFile[];
}

/** One line of events.jsonl: the event as stored (position as a decimal string). */
export interface PackageEventLine {
  streamId: string;
  revision: number;
  position: string;
  eventId: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown> & { hash: string; prevHash: string; occurredAt: string; recordedAt: string };
}

/** One entry of proofs.json `proofs`, in the order of events.jsonl (entry i proves line i + 1). */
export interface PackageProof {
  leaf_index: number;
  event_hash: string;
  inclusion_path: string[];
}

/**
 * proofs.json. Each entry together with `checkpoint` and `tree_size` is an RFC 9162 inclusion proof
 * (the fields of `npm run cli -- verify-proof` with `"type": "inclusion"`).
 */
export interface PackageProofs {
  format: 'webir-ledger/inclusion-proofs/v1';
  checkpoint: string;
  tree_size: number;
  /** `<name>+<key id>+<base64 key>` of the key that signed the checkpoint, as the ledger announced it. */
  public_key: string;
  proofs: PackageProof[];
}
