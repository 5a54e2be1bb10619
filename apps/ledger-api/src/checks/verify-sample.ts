import { createHash } from 'node:crypto';
import { drawSample, monthEnd, type ClosingCheckpoint } from '@ledger/domain';
import { openCheckpoint, type VerifierKey } from '@ledger/integrity';

/** A recorded draw as the ledger keeps it (MonthlySampleDrawn) or as GET …/sample publishes it. */
export interface RecordedDraw {
  seed: string;
  sample: string[];
  checkpoint: ClosingCheckpoint;
  populationDigest?: string;
}

export interface SampleVerification {
  ok: boolean;
  /** One line per check, passed or failed, in the order made. */
  checks: { ok: boolean; detail: string }[];
  recomputedSeed: string;
  population: number;
  sampleSize: number;
}

const sha256 = (data: Uint8Array): Uint8Array => createHash('sha256').update(data).digest();

/**
 * 要點 十二(一): everything an outsider checks of a monthly sample. The checkpoint was signed (by a
 * pinned key) after the month closed, it is the first such checkpoint the ledger holds, and the draw
 * recomputed from it and from the month's logs gives the recorded seed and sample.
 */
export function verifySampleRecord(input: {
  agencyCode: string;
  month: string;
  recorded: RecordedDraw;
  /** The first checkpoint the ledger signed after the month's end, as the ledger (or the published record) shows it. */
  closing: ClosingCheckpoint | null;
  entryIds: readonly string[];
  logDigests: readonly string[];
  keys: VerifierKey[];
}): SampleVerification {
  const { agencyCode, month, recorded, closing } = input;
  const checks: SampleVerification['checks'] = [];
  const check = (ok: boolean, detail: string) => checks.push({ ok, detail });
  const cp = recorded.checkpoint;

  const end = monthEnd(month);
  check(cp.recordedAt >= end, `checkpoint at position ${cp.position} was signed at ${cp.recordedAt}, ${cp.recordedAt >= end ? 'after' : 'BEFORE'} ${month} closed (${end}, Asia/Taipei midnight)`);
  check(closing?.position === cp.position, closing ? `the first checkpoint after ${month} closed is at position ${closing.position}${closing.position === cp.position ? ', the one the draw used' : `, not the draw's ${cp.position}`}` : 'the ledger holds no checkpoint after the month closed');
  try {
    const opened = openCheckpoint(cp.note, input.keys);
    const same = opened.origin === cp.origin && opened.size === cp.treeSize && opened.rootHash.toString('base64') === cp.rootHash;
    check(same, `the signed note (${opened.signedBy.map((k) => k.name).join(', ')}) ${same ? 'carries' : 'does NOT carry'} origin ${cp.origin}, size ${cp.treeSize} and root ${cp.rootHash}`);
  } catch (error) {
    check(false, `the checkpoint's signature does not verify: ${(error as Error).message}`);
  }
  const draw = drawSample({ agencyCode, month, checkpoint: cp, logDigests: input.logDigests, entryIds: input.entryIds }, sha256);
  if (recorded.populationDigest !== undefined) {
    check(draw.populationDigest === recorded.populationDigest, `population of ${draw.population} logged queries ${draw.populationDigest === recorded.populationDigest ? 'is the one drawn from' : 'differs from the one drawn from (logs imported or removed since the draw)'}`);
  }
  check(draw.seed === recorded.seed, `seed recomputed ${draw.seed} ${draw.seed === recorded.seed ? '=' : '≠'} recorded ${recorded.seed}`);
  const sameSample = draw.sample.length === recorded.sample.length && draw.sample.every((id, i) => id === recorded.sample[i]);
  check(sameSample, `sample of ${draw.sampleSize} ${sameSample ? 'equals' : 'DIFFERS from'} the recorded one, entry by entry in draw order`);
  return { ok: checks.every((c) => c.ok), checks, recomputedSeed: draw.seed, population: draw.population, sampleSize: draw.sampleSize };
}
