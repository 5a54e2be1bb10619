import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { ZipFile } from 'yazl';
import { readAnnouncedKeys, readLoggedCheckpoints, type LoggedCheckpoint } from '@ledger/event-store/checkpoints';
import type { EventStore, RecordedEvent, StoredJsonEvent, StoredJsonReader } from '@ledger/event-store/types';
import { formatVerifierKey, parseCheckpointBody, parseNote, verifiedSigners } from '@ledger/integrity';
import { maskName, maskNationalId } from '@ledger/personal-data/mask';
import { CURRENT_GENERATOR_VERSION, FILES, generatorName, PACKAGE_FORMAT, type GeneratorVersion, type Manifest, type ManifestFile, type PackageDeadlines, type PackageParameters } from '../format';
import { holdsStream, periodOf, streamAgencyOf } from '../membership';
import { roc } from '../sections/labels';
import { sectionCsv, SectionRun } from '../run-sections';
import { SECTION_SETS } from '../sections';
import type { ReportFacts } from '../report-text';
import { readmeText } from '../readme-text';
import { FlatTree } from './flat-tree';
import { renderReport } from './report-pdf';
import { useNativeZipCrc32 } from './zip-crc';

/** Decrypts a holder's national ID and name; null when the person was erased (要點 十一). */
export type HolderResolver = (holder: { personId: string; nationalIdCiphertext: string; nameCiphertext: string }) => Promise<{ nationalId: string; name: string } | null>;

export interface GeneratePackageOptions {
  /** A store that hands out its stored JSON (SQLite) is read without parsing other agencies' events. */
  store: Pick<EventStore, 'readAll' | 'readStream'> & Partial<StoredJsonReader>;
  agencyCode: string;
  from: string;
  to: string;
  deadlines: PackageDeadlines;
  /** Where the zip is written. */
  out: string;
  /** Ledger time of generation (the report's date and the PDF's creation date). */
  now: Date;
  /** Holder data; without it the holder columns say they were not provided. */
  holders?: HolderResolver;
  /** Unmasked holders for a stated purpose; `record` is awaited with the accounts before anything is revealed. */
  reveal?: { purpose: string; record(accountIds: string[]): Promise<void> };
  /** The checkpoint the package is drawn from; default the latest the ledger holds. */
  checkpoint?: LoggedCheckpoint;
  onProgress?: (done: number, total: number) => void;
  /** Events read per page. */
  pageSize?: number;
  /**
   * The generator version whose section set the package holds (default the current one): an older
   * set makes a package as the older generator did, e.g. to check that today's verifier still takes it.
   */
  generatorVersion?: GeneratorVersion;
}

export interface GeneratedPackage {
  path: string;
  bytes: number;
  manifest: Manifest;
  manifestSha256: string;
  events: number;
}

export class PackageGenerationError extends Error {
  override readonly name = 'PackageGenerationError';
}

const HOLDER_NOT_PROVIDED = '(未提供)';
const HOLDER_ERASED = '(已依規定刪除)';

/**
 * A zip entry written as it is made: text is gathered into large pieces, hashed (the manifest's
 * digest) and handed to the zip, which deflates and writes it while the next page is read. No
 * temporary file and no second read; `drained()` between pages keeps what waits in memory small.
 */
class HashedEntry {
  private static readonly SIZE = 1 << 20;
  readonly stream = new PassThrough({ highWaterMark: 1 << 22 });
  private readonly hash = createHash('sha256');
  private buf = Buffer.allocUnsafe(HashedEntry.SIZE);
  private at = 0;
  bytes = 0;

  /** Text encoded straight into the current piece (no intermediate strings or buffers). */
  write(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.at + text.length * 3 > this.buf.length) {
      this.flush();
      if (text.length * 3 > this.buf.length) return this.writeBytes(Buffer.from(text, 'utf8'));
    }
    this.at += this.buf.write(text, this.at, 'utf8');
  }

  writeBytes(bytes: Uint8Array): void {
    if (this.at + bytes.length > this.buf.length) {
      this.flush();
      if (bytes.length > this.buf.length) {
        this.hash.update(bytes);
        this.bytes += bytes.length;
        this.stream.write(Buffer.from(bytes));
        return;
      }
    }
    this.buf.set(bytes, this.at);
    this.at += bytes.length;
  }

  private flush(): void {
    if (this.at === 0) return;
    const piece = this.buf.subarray(0, this.at);
    this.hash.update(piece);
    this.bytes += piece.length;
    // The piece now belongs to the stream; the next ones go to a new buffer.
    this.stream.write(piece);
    this.buf = Buffer.allocUnsafe(HashedEntry.SIZE);
    this.at = 0;
  }

  /** Resolves once the zip has taken what was written (backpressure). */
  async drained(): Promise<void> {
    if (this.stream.writableNeedDrain) await once(this.stream, 'drain');
  }

  close(): string {
    this.flush();
    this.stream.end();
    return this.hash.digest('hex');
  }
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Writes the inspection package of one agency and period (要點 十二(五)), drawn from one signed
 * checkpoint: every event of the agency's streams as the ledger stood at that tree size, streamed page
 * by page (never the whole log in memory), each with its inclusion proof, the section CSVs and the report
 * built by the same section builders the verifier reruns, and the manifest of SHA-256 digests.
 */
export async function generatePackage(options: GeneratePackageOptions): Promise<GeneratedPackage> {
  useNativeZipCrc32();
  const { store, agencyCode, from, to } = options;
  const checkpoint = options.checkpoint ?? (await readLoggedCheckpoints(store)).filter((c) => c.size > 0).pop();
  if (!checkpoint) throw new PackageGenerationError('the ledger holds no signed checkpoint yet: issue one first (POST /ledger/checkpoints)');
  const body = parseCheckpointBody(parseNote(checkpoint.note).text);
  const announced = await readAnnouncedKeys(store);
  const signer = verifiedSigners(checkpoint.note, announced.map((a) => a.key))[0];
  if (!signer) throw new PackageGenerationError('no key the ledger announced signed its checkpoint');
  const keyId = signer.keyId.toString(16).padStart(8, '0');

  const period = periodOf(from, to);
  const parameters: PackageParameters = { agencyCode, from, to, holders: options.reveal ? 'revealed' : 'masked', purpose: options.reveal?.purpose ?? null, deadlines: options.deadlines };
  const version = options.generatorVersion ?? CURRENT_GENERATOR_VERSION;
  const sections = new SectionRun({ agencyCode, period, deadlines: options.deadlines }, SECTION_SETS[version]);
  // The zip is written as the log is read: events.jsonl, then proofs.json, then the rest. It goes to a
  // partial file renamed at the end, so a failed run leaves no package behind (nor spoils an older one).
  const partial = `${options.out}.partial-${process.pid}`;
  const mtime = options.now;
  const zip = new ZipFile();
  // Owner-only from the first byte (a package may hold revealed holders); the rename keeps the mode.
  const out = createWriteStream(partial, { mode: 0o600 });
  const written = new Promise<void>((resolve, reject) => {
    zip.outputStream.pipe(out).on('close', resolve).on('error', reject);
    zip.outputStream.on('error', reject);
  });
  // Without a listener a failure before the end would be an unhandled rejection; it is awaited below.
  written.catch(() => undefined);
  const eventsFile = new HashedEntry();
  const proofsFile = new HashedEntry();
  // Fast deflate: the events are most of the package and most of its making.
  zip.addReadStream(eventsFile.stream, FILES.events, { mtime, compressionLevel: 1 });
  // Base64 hashes are stored: deflate would cost more time than the disk space it saves is worth here.
  zip.addReadStream(proofsFile.stream, FILES.proofs, { mtime, compress: false });
  try {
    const held = new Set<string>();
    const tree = new FlatTree();
    const packaged: number[] = [];
    // The packaged events' hashes (hex, ASCII) side by side in one buffer: 64 bytes each, not a string each.
    let leafHashes = Buffer.allocUnsafe(64 * 4096);
    const oddHashes = new Map<number, string>();
    const holderData = new Map<string, { personId: string; nationalIdCiphertext: string; nameCiphertext: string }>();
    let agencyName = agencyCode;
    // Pages of 500: a page of WebIR log chunks (500 lines each) is tens of MB once parsed, and the
    // generator's peak memory is the page it holds while the anomalies fold runs over it.
    const pageSize = options.pageSize ?? 500;
    let after: bigint | undefined;
    while (tree.size < body.size) {
      const maxCount = Math.min(pageSize, body.size - tree.size);
      const { rows, parsed } = await readLogPage(store, after, maxCount);
      if (rows.length === 0) throw new PackageGenerationError(`the log ends at ${tree.size} events, before the checkpoint's ${body.size}`);
      for (let k = 0; k < rows.length; k++) {
        const row = rows[k];
        // The stored text, before the row becomes the parsed event.
        const dataJson = row.data;
        const metadataJson = row.metadata;
        const leafIndex = tree.size;
        tree.appendEventHash(row.hash);
        // The log is read from its start, so a stream's first event is its revision 0: no set of the
        // streams seen (the other agencies' too) is needed to tell a stream's first sight. Another
        // agency's event is parsed no further than its data, and only when it opens a stream.
        let event: RecordedEvent | undefined;
        if (row.revision === 0) {
          const data = parsed ? parsed[k].data : (JSON.parse(row.data) as RecordedEvent['data']);
          if (streamAgencyOf({ data }) === agencyCode) {
            event = parsed ? parsed[k] : eventOf(row, data);
            if (holdsStream(row.streamId, event, agencyCode, period)) held.add(row.streamId);
          }
        }
        if (!held.has(row.streamId)) continue;
        event ??= parsed ? parsed[k] : eventOf(row, JSON.parse(row.data) as RecordedEvent['data']);
        const hash = event.metadata.hash;
        if (hash !== row.hash) throw new PackageGenerationError(`event ${row.streamId}@${row.revision} records hash ${hash} in its metadata but ${row.hash} in the ledger's tree: verify the ledger`);
        packaged.push(leafIndex);
        if (packaged.length * 64 > leafHashes.length) {
          const bigger = Buffer.allocUnsafe(leafHashes.length * 2);
          leafHashes.copy(bigger);
          leafHashes = bigger;
        }
        // A stored value that is not 64 ASCII characters (a tampered ledger) is kept as it is, to be written as it is.
        if (hash.length === 64 && /^[\x20-\x7e]*$/.test(hash)) leafHashes.write(hash, (packaged.length - 1) * 64, 'latin1');
        else oddHashes.set(packaged.length - 1, hash);
        if (parsed) eventsFile.write(JSON.stringify({ ...event, position: event.position.toString() }) + '\n');
        else writeStoredLine(eventsFile, row, dataJson, metadataJson);
        sections.accept(event);
        if (event.type === 'AgencyRegistered') agencyName = String((event.data as { name: string }).name);
        if (event.type === 'AccountCreated') {
          const h = (event.data as { holder: { personId: string; nationalIdCiphertext: string; nameCiphertext: string } }).holder;
          holderData.set(h.personId, { personId: h.personId, nationalIdCiphertext: h.nationalIdCiphertext, nameCiphertext: h.nameCiphertext });
        }
      }
      after = rows[rows.length - 1].position;
      options.onProgress?.(tree.size, body.size);
      await eventsFile.drained();
    }
    const eventsSha = eventsFile.close();
    tree.seal();
    if (!tree.root().equals(body.rootHash)) throw new PackageGenerationError(`the log's first ${body.size} events do not hash to the checkpoint's root: verify the ledger`);

    proofsFile.write(
      `{"format":"webir-ledger/inclusion-proofs/v1","checkpoint":${JSON.stringify(checkpoint.note)},"tree_size":${body.size},"public_key":${JSON.stringify(formatVerifierKey(signer))},"proofs":[\n`,
    );
    // One walk over the tree per slice of leaves (the nodes above a slice are re-encoded once per slice),
    // handing each slice to the zip before the next is made.
    const PROOF_SLICE = 4096;
    const open = Buffer.from('[');
    const close = Buffer.from(']}');
    for (let start = 0; start < packaged.length; start += PROOF_SLICE) {
      let i = start;
      tree.inclusionPathsBytes(packaged.slice(start, start + PROOF_SLICE), (leafIndex, path) => {
        proofsFile.write(`${i === 0 ? '' : ',\n'}{"leaf_index":${leafIndex},"event_hash":"${oddHashes.get(i) ?? leafHashes.toString('latin1', i * 64, i * 64 + 64)}","inclusion_path":`);
        proofsFile.writeBytes(open);
        proofsFile.writeBytes(path);
        proofsFile.writeBytes(close);
        i++;
      });
      await proofsFile.drained();
    }
    proofsFile.write('\n]}\n');
    const proofsSha = proofsFile.close();

    const results = await sections.finish();
    const periodText = `${roc(from)}至${roc(to)}`;
    const csvs: { path: string; buffer: Buffer }[] = [];
    for (const { def, result } of results) {
      // Nothing to reveal, nothing to record.
      if (def.holderColumns && options.reveal && result.rows.length > 0) await options.reveal.record(result.rows.map((r) => r.cells[0]));
      if (def.holderColumns) await fillHolders(def.holderColumns, result.rows, holderData, options.holders, Boolean(options.reveal));
      csvs.push({ path: def.file, buffer: sectionCsv(def, agencyCode, periodText, result.rows) });
    }
    const checkpointFacts = { origin: body.origin, treeSize: body.size, rootHash: body.rootHash.toString('base64'), keyName: signer.name, keyId };
    const facts: ReportFacts = {
      agencyCode, agencyName, from, to, generatedAt: options.now.toISOString(), holders: parameters.holders, purpose: parameters.purpose, events: packaged.length, checkpoint: checkpointFacts,
    };
    const report = await renderReport(facts, results);
    const readme = Buffer.from(readmeText(facts), 'utf8');

    const files: ManifestFile[] = [
      { path: FILES.report, sha256: sha256(report), bytes: report.length },
      ...csvs.map((c) => ({ path: c.path, sha256: sha256(c.buffer), bytes: c.buffer.length })),
      { path: FILES.events, sha256: eventsSha, bytes: eventsFile.bytes },
      { path: FILES.proofs, sha256: proofsSha, bytes: proofsFile.bytes },
      { path: FILES.readme, sha256: sha256(readme), bytes: readme.length },
    ];
    const manifest: Manifest = {
      format: PACKAGE_FORMAT,
      generator: generatorName(version),
      generatedAt: facts.generatedAt,
      parameters,
      checkpoint: checkpointFacts,
      events: packaged.length,
      sections: results.map(({ def, result }) => ({ id: def.id, title: def.title, rule: def.rule, file: def.file, rows: result.rows.length })),
      files,
    };
    const manifestBuffer = Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8');

    zip.addBuffer(report, FILES.report, { mtime, compress: false });
    for (const c of csvs) zip.addBuffer(c.buffer, c.path, { mtime, compressionLevel: 1 });
    zip.addBuffer(readme, FILES.readme, { mtime });
    zip.addBuffer(manifestBuffer, FILES.manifest, { mtime });
    zip.end();
    await written;
    renameSync(partial, options.out);
    return { path: options.out, bytes: statSync(options.out).size, manifest, manifestSha256: sha256(manifestBuffer), events: packaged.length };
  } catch (error) {
    eventsFile.stream.destroy();
    proofsFile.stream.destroy();
    zip.outputStream.unpipe(out);
    out.destroy();
    await written.catch(() => undefined);
    rmSync(partial, { force: true });
    throw error;
  }
}

/** The store's pages: its stored JSON where it can hand that out (parsed here only where needed), else parsed events. */
async function readLogPage(store: GeneratePackageOptions['store'], after: bigint | undefined, maxCount: number): Promise<{ rows: StoredJsonEvent[]; parsed?: RecordedEvent[] }> {
  if (typeof store.readAllJson === 'function') return { rows: await store.readAllJson({ after, maxCount }) };
  const parsed = await store.readAll({ after, maxCount });
  // Only the fields the loop reads before it takes the parsed event.
  const rows = parsed.map((e) => ({ streamId: e.streamId, revision: e.revision, position: e.position, eventId: e.eventId, type: e.type, data: '', metadata: '', hash: e.metadata.hash }));
  return { rows, parsed };
}

/**
 * The stored event parsed as the store's readAll gives it, made of the row itself as readAll does (the
 * row keeps its hash field). A new object per event instead held ≈ 30 MB more at the generator's peak.
 */
function eventOf(row: StoredJsonEvent, data: RecordedEvent['data']): RecordedEvent {
  const event = row as unknown as RecordedEvent;
  event.metadata = JSON.parse(row.metadata) as RecordedEvent['metadata'];
  event.data = data;
  return event;
}

/**
 * The event's line of events.jsonl with its data and metadata as the ledger stored them: the text
 * JSON.stringify of the parsed event gives (the store wrote them with JSON.stringify), without parsing
 * and serialising them again. Written in pieces: a log chunk's data is hundreds of KB, not copied into a line first.
 */
function writeStoredLine(file: HashedEntry, row: StoredJsonEvent, dataJson: string, metadataJson: string): void {
  file.write(`{"streamId":${JSON.stringify(row.streamId)},"revision":${row.revision},"position":"${row.position}","eventId":${JSON.stringify(row.eventId)},"type":${JSON.stringify(row.type)},"data":`);
  file.write(dataJson);
  file.write(',"metadata":');
  file.write(metadataJson);
  file.write('}\n');
}

async function fillHolders(
  columns: { nationalId: number; name: number },
  rows: { cells: string[]; personId?: string }[],
  data: Map<string, { personId: string; nationalIdCiphertext: string; nameCiphertext: string }>,
  resolve: HolderResolver | undefined,
  reveal: boolean,
): Promise<void> {
  for (const row of rows) {
    const holder = row.personId ? data.get(row.personId) : undefined;
    const plain = resolve && holder ? await resolve(holder) : undefined;
    const [nationalId, name] = plain === undefined ? [HOLDER_NOT_PROVIDED, HOLDER_NOT_PROVIDED] : plain === null ? [HOLDER_ERASED, HOLDER_ERASED] : reveal ? [plain.nationalId, plain.name] : [maskNationalId(plain.nationalId), maskName(plain.name)];
    row.cells[columns.nationalId] = nationalId;
    row.cells[columns.name] = name;
  }
}
