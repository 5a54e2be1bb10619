import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { computeEventHash, GENESIS_HASH } from '@ledger/event-store/integrity';
import type { EventMetadata, RecordedEvent } from '@ledger/event-store/types';
import { openCheckpoint, parseVerifierKey, type VerifierKey } from '@ledger/integrity';
import { parseCsv } from '../csv';
import { FILES, GENERATOR_VERSIONS, generatorName, generatorVersionOf, PACKAGE_FORMAT, type Manifest, type PackageEventLine, type PackageProof, type PackageProofs } from '../format';
import { holdsStream, periodOf, streamAgencyOf } from '../membership';
import { REPORT_ROWS, reportLines, type ReportFacts } from '../report-text';
import { csvEquals, csvHeaders, csvTitle, SectionRun } from '../run-sections';
import { SECTION_SETS, type SectionDefinition } from '../sections';
import { roc } from '../sections/labels';
import { HashedLines, type HashWorkerMode } from './event-hasher';
import { InclusionChecker } from './inclusion-checker';
import { extractPdfText } from './pdf-text';
import { LineReader } from './line-reader';
import { openZip, type OpenZip } from './read-zip';

export interface PackageFailure {
  file: string;
  /** 1-based line of the file, where one can be named. */
  line?: number;
  /** `stream@revision` of the event concerned. */
  event?: string;
  detail: string;
}

export interface PackageVerification {
  ok: boolean;
  failures: PackageFailure[];
  /** True when the checkpoint was checked against a key given by the inspector, not the package's own. */
  keyPinned: boolean;
  agencyCode?: string;
  events: number;
  treeSize?: number;
  sections: { id: string; file: string; rows: number }[];
}

export interface VerifyPackageOptions {
  /** Keys the inspector trusts (obtained out of band); without them the package's own key is used and the result says so. */
  publicKeys?: VerifierKey[];
  /** Stop collecting after this many failures. */
  maxFailures?: number;
  /**
   * Where events' hashes are recomputed: on a worker thread beside the checks once events.jsonl runs past
   * one batch ('auto', the default), always on one, or never (in this thread). The report is the same
   * either way. LEDGER_VERIFY_HASH_WORKER=never (or =always) sets it where the option is not given.
   */
  hashWorker?: HashWorkerMode;
  /** @internal Lines per batch sent to the worker (tests make it small to cross batch boundaries). */
  hashBatchLines?: number;
}

function hashWorkerMode(options: VerifyPackageOptions): HashWorkerMode {
  const fromEnv = process.env.LEDGER_VERIFY_HASH_WORKER;
  return options.hashWorker ?? (fromEnv === 'never' || fromEnv === 'always' ? fromEnv : 'auto');
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const squash = (s: string) => s.replace(/\s+/g, '');

/**
 * Failures by stage, so that the list reads in the order of the checks (the manifest's digests first)
 * although the large files' digests are known only once they were streamed through the event checks.
 */
const STAGE = { manifest: 0, checkpoint: 1, events: 2, sections: 3, report: 4 } as const;

class Failures {
  private readonly stages: PackageFailure[][] = [[], [], [], [], []];
  constructor(private readonly max: number) {}
  add(f: PackageFailure, stage: number = STAGE.manifest): void {
    if (this.stages[stage].length < this.max) this.stages[stage].push(f);
  }
  get list(): PackageFailure[] {
    return this.stages.flat().slice(0, this.max);
  }
}

/** proofs.json in the generator's layout (a header line, one proof per line, `]}`) is read a line at a time; any other layout is parsed whole. */
interface ProofsSource extends Omit<PackageProofs, 'proofs'> {
  /** The next proof's text, or undefined after the last. */
  nextText(): Promise<string | undefined>;
  parse(text: string): PackageProof;
  /** A layout problem found while reading (a missing or misplaced `]}`). */
  malformed?: string;
}

async function openProofs(reader: LineReader): Promise<ProofsSource> {
  const header = (await reader.next()) ?? '';
  if (header.endsWith('"proofs":[')) {
    const head = JSON.parse(header + ']}') as PackageProofs;
    if (typeof head.checkpoint !== 'string') throw new Error('checkpoint is required');
    let ended = false;
    const source: ProofsSource = {
      ...head,
      async nextText() {
        if (ended) return undefined;
        const line = await reader.next();
        if (line === ']}') {
          ended = true;
          if ((await reader.next()) !== undefined) source.malformed = 'text follows the closing ]}';
          return undefined;
        }
        if (line === undefined) {
          ended = true;
          source.malformed = 'the proofs list is not closed (]})';
        }
        return line;
      },
      parse: (text) => JSON.parse(text.endsWith(',') ? text.slice(0, -1) : text) as PackageProof,
    };
    return source;
  }
  const whole = JSON.parse(header + '\n' + (await reader.rest()).toString('utf8')) as PackageProofs;
  if (!whole || typeof whole.checkpoint !== 'string' || !Array.isArray(whole.proofs)) throw new Error('checkpoint and proofs are required');
  let i = 0;
  return { ...whole, nextText: async () => (i < whole.proofs.length ? String(i++) : undefined), parse: (text) => whole.proofs[Number(text)] };
}

/**
 * Checks an inspection package offline, with nothing but the ledger's public key: the manifest's
 * digests; every event's hash and its stream's hash chain from revision 0; that every stream is the
 * agency's; every inclusion proof against the signed checkpoint and the checkpoint's signature; and
 * that every CSV row and the report's headings, counts and figures are what the events give, by
 * rerunning the section builders the generator used. The first failure names file, line and event.
 */
export async function verifyPackage(source: string | Buffer, options: VerifyPackageOptions = {}): Promise<PackageVerification> {
  const failures = new Failures(options.maxFailures ?? 50);
  const result = (extra: Partial<PackageVerification> = {}): PackageVerification => ({
    ok: failures.list.length === 0,
    failures: failures.list,
    keyPinned: Boolean(options.publicKeys?.length),
    events: 0,
    sections: [],
    ...extra,
  });
  let zip: OpenZip;
  try {
    zip = await openZip(source);
  } catch (error) {
    failures.add({ file: typeof source === 'string' ? source : 'package', detail: `not a readable zip: ${(error as Error).message}` });
    return result();
  }
  try {
    return result(await checkPackage(zip, options, failures));
  } catch (error) {
    // A damaged entry (bad deflate data, a size that does not match) shows only once it is read.
    failures.add({ file: typeof source === 'string' ? source : 'package', detail: `not a readable zip: ${(error as Error).message}` });
    return result();
  } finally {
    zip.close();
  }
}

/** Files streamed through the checks (never held whole); their digests are compared once they have been read. */
const STREAMED: ReadonlySet<string> = new Set([FILES.events, FILES.proofs]);

async function checkPackage(zip: OpenZip, options: VerifyPackageOptions, failures: Failures): Promise<Partial<PackageVerification>> {
  for (const d of zip.duplicates) failures.add({ file: d, detail: 'the zip holds two entries of this name' });

  // 1. Manifest: every listed file present with its digest, nothing unlisted.
  let manifest: Manifest;
  try {
    manifest = JSON.parse(zip.has(FILES.manifest) ? (await zip.read(FILES.manifest)).toString('utf8') : 'null') as Manifest;
    if (!manifest || manifest.format !== PACKAGE_FORMAT) throw new Error(`format must be ${PACKAGE_FORMAT}`);
    if (!Array.isArray(manifest.files) || !manifest.parameters || !manifest.checkpoint) throw new Error('files, parameters and checkpoint are required');
  } catch (error) {
    failures.add({ file: FILES.manifest, detail: `missing or malformed: ${(error as Error).message}` });
    return {};
  }
  // The version's rules: which sections (and so which files) a package of it holds, and how they are built.
  const version = generatorVersionOf(manifest.generator);
  if (!version) {
    failures.add({ file: FILES.manifest, detail: `generator "${String(manifest.generator)}" is not a version this verifier knows (${GENERATOR_VERSIONS.map(generatorName).join(', ')})` });
    return {};
  }
  const sectionSet = SECTION_SETS[version];
  const versionFiles = new Set<string>([...Object.values(FILES), ...sectionSet.map((d) => d.file)]);
  const listed = new Map<string, string>();
  const files = new Map<string, Buffer>();
  for (const f of manifest.files) {
    listed.set(f.path, f.sha256);
    if (!zip.has(f.path)) failures.add({ file: f.path, detail: 'listed in manifest.json but missing from the package' });
    else if (!STREAMED.has(f.path)) {
      const content = await zip.read(f.path);
      files.set(f.path, content);
      const digest = sha256(content);
      if (digest !== f.sha256) failures.add({ file: f.path, detail: `SHA-256 ${digest} differs from manifest.json's ${f.sha256}` });
    }
  }
  for (const name of zip.names) if (name !== FILES.manifest && !listed.has(name)) failures.add({ file: name, detail: 'not listed in manifest.json' });
  for (const name of listed.keys()) if (!versionFiles.has(name)) failures.add({ file: name, detail: `not part of a package of ${generatorName(version)}` });
  for (const s of manifest.sections ?? []) if (!sectionSet.some((d) => d.id === s.id)) failures.add({ file: FILES.manifest, detail: `section ${s.id} is not part of a package of ${generatorName(version)}` });
  for (const required of [FILES.events, FILES.proofs, FILES.report]) if (!zip.has(required)) failures.add({ file: required, detail: 'missing from the package' });
  const file = async (name: string) => files.get(name) ?? (zip.has(name) ? await zip.read(name) : undefined);

  const streams = new Map<string, LineReader>();
  for (const name of STREAMED) streams.set(name, new LineReader(zip.has(name) ? await zip.stream(name) : Readable.from([])));
  const checked = await checkContents(manifest, sectionSet, streams, file, options, failures);
  for (const [name, reader] of streams) {
    const expected = listed.get(name);
    const digest = await reader.digest();
    if (expected !== undefined && zip.has(name) && digest !== expected) failures.add({ file: name, detail: `SHA-256 ${digest} differs from manifest.json's ${expected}` });
  }
  return checked;
}

async function checkContents(
  manifest: Manifest,
  sectionSet: readonly SectionDefinition[],
  streams: Map<string, LineReader>,
  file: (name: string) => Promise<Buffer | undefined>,
  options: VerifyPackageOptions,
  failures: Failures,
): Promise<Partial<PackageVerification>> {
  // 2. The checkpoint and its signature.
  const { agencyCode, from, to } = manifest.parameters;
  let proofs: ProofsSource;
  try {
    proofs = await openProofs(streams.get(FILES.proofs)!);
  } catch (error) {
    failures.add({ file: FILES.proofs, detail: `malformed: ${(error as Error).message}` }, STAGE.checkpoint);
    return { agencyCode };
  }
  let keys: VerifierKey[] = options.publicKeys ?? [];
  if (keys.length === 0) {
    try {
      keys = [parseVerifierKey(String(proofs.public_key))];
    } catch (error) {
      failures.add({ file: FILES.proofs, detail: `public_key: ${(error as Error).message}` }, STAGE.checkpoint);
      return { agencyCode };
    }
  }
  let checkpoint: ReturnType<typeof openCheckpoint>;
  try {
    checkpoint = openCheckpoint(proofs.checkpoint, keys);
  } catch (error) {
    failures.add({ file: FILES.proofs, detail: `checkpoint: ${(error as Error).message}` }, STAGE.checkpoint);
    return { agencyCode };
  }
  const rootB64 = checkpoint.rootHash.toString('base64');
  if (proofs.tree_size !== checkpoint.size) failures.add({ file: FILES.proofs, detail: `tree_size ${proofs.tree_size} differs from the signed checkpoint's ${checkpoint.size}` }, STAGE.checkpoint);
  const m = manifest.checkpoint;
  if (m.treeSize !== checkpoint.size || m.rootHash !== rootB64 || m.origin !== checkpoint.origin) {
    failures.add({ file: FILES.manifest, detail: `checkpoint ${m.treeSize} / ${m.rootHash} differs from the signed checkpoint ${checkpoint.size} / ${rootB64}` }, STAGE.checkpoint);
  }
  const signer = checkpoint.signedBy[0];
  const signerId = signer.keyId.toString(16).padStart(8, '0');
  if (m.keyName !== signer.name || m.keyId !== signerId) failures.add({ file: FILES.manifest, detail: `signing key ${m.keyName}/${m.keyId} differs from the checkpoint's ${signer.name}/${signerId}` }, STAGE.checkpoint);

  // 3. Events: hash, chain, membership, inclusion proof; and the sections' fold.
  const period = periodOf(from, to);
  const sections = new SectionRun({ agencyCode, period, deadlines: manifest.parameters.deadlines }, sectionSet);
  const lines = new HashedLines(streams.get(FILES.events)!, hashWorkerMode(options), options.hashBatchLines);
  try {
    return await checkEvents();
  } finally {
    lines.close();
  }
  async function checkEvents(): Promise<Partial<PackageVerification>> {
  const inclusion = new InclusionChecker(checkpoint.size, checkpoint.rootHash);
  const heads = new Map<string, { revision: number; hash: string }>();
  const eventIds = new Set<string>();
  let lastLeaf = -1;
  let agencyName = agencyCode;
  let count = 0;
  let proofCount = 0;
  for (let next = await lines.next(); next !== undefined; next = await lines.next()) {
    const { text, hash: workerHash } = next;
    const i = count++;
    const line = i + 1;
    // Proof i goes with line i + 1, whatever becomes of the event.
    const proofText = await proofs.nextText();
    if (proofText !== undefined) proofCount++;
    let e: PackageEventLine;
    try {
      e = JSON.parse(text) as PackageEventLine;
      if (typeof e.streamId !== 'string' || !Number.isInteger(e.revision) || typeof e.metadata?.hash !== 'string') throw new Error('streamId, revision and metadata.hash are required');
    } catch (error) {
      failures.add({ file: FILES.events, line, detail: `not an event: ${(error as Error).message}` }, STAGE.events);
      continue;
    }
    const where = `${e.streamId}@${e.revision}`;
    const fail = (detail: string, file: string = FILES.events) => failures.add({ file, line, event: where, detail }, STAGE.events);
    const hash = workerHash ?? computeEventHash({ streamId: e.streamId, revision: e.revision, type: e.type, data: e.data, metadata: e.metadata as unknown as EventMetadata });
    if (hash !== e.metadata.hash) fail(`the event hashes to ${hash}, not to its recorded hash ${e.metadata.hash}: it was altered`);
    const head = heads.get(e.streamId);
    if (!head && e.revision !== 0) fail(`the stream's first event in the package is revision ${e.revision}: revisions 0–${e.revision - 1} are missing`);
    else if (head && e.revision !== head.revision + 1) fail(`revision ${e.revision} follows revision ${head.revision}: ${e.revision <= head.revision ? 'repeated or out of order' : 'events are missing between them'}`);
    const expectedPrev = head ? head.hash : GENESIS_HASH;
    if ((head || e.revision === 0) && e.metadata.prevHash !== expectedPrev) fail(`prevHash ${e.metadata.prevHash} does not link to the previous event's hash ${expectedPrev}`);
    heads.set(e.streamId, { revision: e.revision, hash: e.metadata.hash });
    if (eventIds.has(e.eventId)) fail(`event id ${e.eventId} appears twice`);
    eventIds.add(e.eventId);
    if (e.revision === 0) {
      if (streamAgencyOf(e) !== agencyCode) fail(`stream ${e.streamId} is not agency ${agencyCode}'s (its first event names ${streamAgencyOf(e) ?? 'no agency'})`);
      else if (!holdsStream(e.streamId, e, agencyCode, period)) fail(`stream ${e.streamId} lies outside the period ${from} – ${to}`);
    }
    let proof: PackageProof | undefined;
    try {
      proof = proofText === undefined ? undefined : proofs.parse(proofText);
    } catch {
      fail(`proof ${i + 1} is not JSON`, FILES.proofs);
      continue;
    }
    if (!proof) continue;
    if (proof.event_hash !== e.metadata.hash) fail(`proof ${i + 1} is for event ${proof.event_hash}, not for this event (${e.metadata.hash})`, FILES.proofs);
    if (!(proof.leaf_index > lastLeaf)) fail(`leaf ${proof.leaf_index} does not follow leaf ${lastLeaf}: events are not in the ledger's order`, FILES.proofs);
    lastLeaf = proof.leaf_index;
    if (!Array.isArray(proof.inclusion_path) || !proof.inclusion_path.every((p) => typeof p === 'string') || !inclusion.check(proof.leaf_index, e.metadata.hash, proof.inclusion_path)) {
      fail(`the event is not leaf ${proof.leaf_index} of the signed checkpoint's tree of size ${checkpoint.size}`, FILES.proofs);
    }
    if (e.type === 'AgencyRegistered' && e.streamId === `agency-${agencyCode}`) agencyName = String((e.data as { name?: unknown }).name ?? agencyCode);
    // The parsed line is this loop's own: its position becomes the bigint a recorded event has, without a copy.
    const recorded = e as unknown as RecordedEvent;
    recorded.position = BigInt(/^\d+$/.test(e.position) ? e.position : 0);
    sections.accept(recorded);
  }
  while ((await proofs.nextText()) !== undefined) proofCount++;
  if (proofs.malformed) failures.add({ file: FILES.proofs, detail: `malformed: ${proofs.malformed}` }, STAGE.events);
  if (count !== proofCount) failures.add({ file: FILES.proofs, detail: `${proofCount} proofs for ${count} events in ${FILES.events}` }, STAGE.events);
  if (manifest.events !== count) failures.add({ file: FILES.manifest, detail: `says ${manifest.events} events; ${FILES.events} holds ${count}` }, STAGE.events);

  // 4. Every CSV, row by row, against the sections recomputed from the events.
  const results = await sections.finish();
  const periodText = `${roc(from)}至${roc(to)}`;
  for (const { def, result: r } of results) {
    const listedSection = manifest.sections?.find((s) => s.id === def.id);
    if (!listedSection || listedSection.rows !== r.rows.length) failures.add({ file: FILES.manifest, detail: `section ${def.id}: ${listedSection?.rows ?? 'no'} rows listed; the events give ${r.rows.length}` }, STAGE.sections);
    const content = await file(def.file);
    if (!content) {
      failures.add({ file: def.file, detail: 'missing from the package' }, STAGE.sections);
      continue;
    }
    // Without holder columns the file must be byte for byte what the events give.
    if (!def.holderColumns && csvEquals(content, def, agencyCode, periodText, r.rows)) continue;
    const records = parseCsv(content.toString('utf8'));
    const expected = [csvTitle(def, agencyCode, periodText), csvHeaders(def), ...r.rows.map((row) => [...row.cells, row.source])];
    const skip = new Set(def.holderColumns ? [def.holderColumns.nationalId, def.holderColumns.name] : []);
    if (records.length !== expected.length) {
      failures.add({ file: def.file, detail: `${records.length - 2} rows; the events give ${r.rows.length}` }, STAGE.sections);
    }
    for (let i = 0; i < Math.min(records.length, expected.length); i++) {
      const got = records[i].cells;
      const want = expected[i];
      const col = want.findIndex((cell, c) => !(i >= 2 && skip.has(c)) && got[c] !== cell);
      if (col >= 0 || got.length !== want.length) {
        const c = col >= 0 ? col : Math.min(got.length, want.length);
        const header = i >= 1 ? (csvHeaders(def)[c] ?? `column ${c + 1}`) : `column ${c + 1}`;
        failures.add({
          file: def.file,
          line: records[i].line,
          event: i >= 2 ? want[want.length - 1] : undefined,
          detail: `${header}: "${got[c] ?? ''}" in the file, "${want[c] ?? ''}" from the events`,
        }, STAGE.sections);
        break;
      }
    }
  }

  // 5. The report: every heading, count and figure line, in order, as the events give them.
  const pdf = await file(FILES.report);
  if (pdf) {
    const haystack = squash(extractPdfText(pdf).join(''));
    const facts: ReportFacts = {
      agencyCode, agencyName, from, to, generatedAt: manifest.generatedAt, holders: manifest.parameters.holders, purpose: manifest.parameters.purpose, events: count,
      checkpoint: { origin: checkpoint.origin, treeSize: checkpoint.size, rootHash: rootB64, keyName: signer.name, keyId: signerId },
    };
    let at = 0;
    let heading = '';
    for (const l of reportLines(facts, results, REPORT_ROWS)) {
      if (l.kind === 'heading') heading = l.text;
      // Row lines of a section with holder columns carry vault data the events cannot give.
      if (l.kind === 'row' && results.find((s) => heading.includes(s.def.title))?.def.holderColumns) continue;
      const needle = squash(l.text);
      const found = haystack.indexOf(needle, at);
      if (found < 0) {
        const said = l.text.startsWith('本節筆數:') ? /本節筆數:(\d+)/.exec(haystack.slice(at))?.[1] : undefined;
        failures.add({ file: FILES.report, detail: `${heading ? `section 「${heading}」: ` : ''}「${l.text}」 not found${said !== undefined ? ` (the report says 本節筆數:${said})` : ''}; the events give it` }, STAGE.report);
        break;
      }
      at = found + needle.length;
    }
  }
  return { agencyCode, events: count, treeSize: checkpoint.size, sections: results.map(({ def, result: r }) => ({ id: def.id, file: def.file, rows: r.rows.length })) };
  }
}
