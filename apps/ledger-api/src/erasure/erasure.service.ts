import { randomUUID } from 'node:crypto';
import {
  accountDecider,
  AccountEvent,
  accountIdOf,
  accountStreamId,
  AccountKind,
  applicationStreamId,
  erasureDecider,
  ErasureEvent,
  erasureStreamId,
  fold,
  NotFoundError,
} from '@ledger/domain';
import type { EventStore, RecordedEvent } from '@ledger/event-store';
import type { PersonalDataProtector } from '@ledger/personal-data';

export interface ErasureRequest {
  /** The ledger's random person id; or `nationalId` to look it up in the vault's blind index. */
  personId?: string;
  nationalId?: string;
  reason: string;
  legalOverride?: string;
  actor: string;
  commandId?: string;
}

/** What the caller gets back: proof of what was done, and what erasure does not do. */
export interface ErasureReceipt {
  receiptId: string;
  streamId: string;
  position: string;
  personId: string;
  erasedOn: string;
  retentionUntil: string | null;
  legalOverride: string | null;
  accounts: number;
  dataKeyDestroyed: true;
  blindIndexDeleted: true;
  remains: string[];
}

export interface ErasureDeps {
  store: EventStore;
  protector: PersonalDataProtector;
  clock: () => Date;
  /** When the person's accounts were last covered by an access review (要點 六(六)), if known. */
  lastReviewedAt?: (accountId: string) => Promise<string | null>;
}

export const ERASURE_REMAINS = [
  'events, their hashes and the hash chain stay intact: they carry only random ids and ciphertexts that no key can open any more',
  "the person's random id stays in events; no record outside this ledger links it to the person",
  'copies of the key vault (data/keys.db) made before the erasure still hold the destroyed key and index rows: backups of the vault must be rotated',
  'data an integrator or reader copied out before the erasure is not reached',
];

/**
 * Erasure (要點 十一): refused while a retention duty runs unless a legal override is given; appends
 * PersonErased to `erasure-<personId>`, then destroys the person's data key together with their
 * blind-index and account-slot rows in the vault. Run again after a crash between the two steps,
 * it finishes the destruction and returns the receipt of the recorded erasure.
 */
export async function erasePerson(deps: ErasureDeps, request: ErasureRequest): Promise<ErasureReceipt> {
  const { store, protector, clock } = deps;
  const personId = request.personId ?? (request.nationalId ? await protector.findPerson(request.nationalId) : undefined);
  if (!personId) throw new NotFoundError('person', request.personId ?? '(by national ID)');
  const streamId = erasureStreamId(personId);
  const history = await store.readStream(streamId);
  const recorded = history.find((e) => e.type === 'PersonErased');
  if (recorded) {
    // Finish a destruction a crash may have interrupted, then answer with the first receipt.
    await protector.erase(personId, { reason: String(recorded.data.reason), actor: recorded.metadata.actor, at: new Date(recorded.metadata.occurredAt) });
    return receiptOf(recorded, streamId);
  }

  // An id the vault does not know is refused: a typo must not leave an erasure record behind.
  if (!(await protector.hasPerson(personId))) throw new NotFoundError('person', request.personId ?? '(by national ID)');
  const slots = await protector.accountKeysOf(personId);
  const lastRecordAt = await lastRecordOf(deps, slots.map((s) => accountIdOf(s.agencyCode, s.kind as AccountKind, s.key)));
  const now = clock();
  const [event] = erasureDecider.decide(
    { type: 'ErasePerson', personId, reason: request.reason, legalOverride: request.legalOverride, lastRecordAt, accounts: slots.length },
    fold(erasureDecider, history as unknown as ErasureEvent[]),
    { now, occurredAt: now, actor: request.actor },
  );
  const commandId = request.commandId ?? randomUUID();
  await store.append(
    streamId,
    [
      {
        eventId: randomUUID(),
        type: event.type,
        data: event.data as unknown as Record<string, unknown>,
        metadata: { $correlationId: commandId, $causationId: commandId, commandId, actor: request.actor, occurredAt: now.toISOString() },
      },
    ],
    'no_stream',
  );
  await protector.erase(personId, { reason: event.data.reason, actor: request.actor, at: now });
  const [stored] = await store.readStream(streamId);
  return receiptOf(stored, streamId);
}

/** The latest record about the person: their account streams, the forms those used, and their last access review. */
async function lastRecordOf(deps: ErasureDeps, accountIds: string[]): Promise<string | null> {
  let latest: string | null = null;
  const consider = (at: string | null | undefined) => {
    if (at && (latest === null || new Date(at) > new Date(latest))) latest = new Date(at).toISOString();
  };
  for (const accountId of accountIds) {
    const events = await deps.store.readStream(accountStreamId(accountId));
    events.forEach((e) => consider(e.metadata.occurredAt));
    const state = fold(accountDecider, events as unknown as AccountEvent[]);
    if (state.status !== 'NONE') {
      for (const applicationId of state.usedApplicationIds) {
        (await deps.store.readStream(applicationStreamId(applicationId))).forEach((e) => consider(e.metadata.occurredAt));
      }
    }
    if (deps.lastReviewedAt) consider(await deps.lastReviewedAt(accountId));
  }
  return latest;
}

function receiptOf(e: RecordedEvent, streamId: string): ErasureReceipt {
  const d = e.data as { personId: string; erasedOn: string; retentionUntil: string | null; legalOverride: string | null; accounts: number };
  return {
    receiptId: e.eventId,
    streamId,
    position: e.position.toString(),
    personId: d.personId,
    erasedOn: d.erasedOn,
    retentionUntil: d.retentionUntil,
    legalOverride: d.legalOverride,
    accounts: d.accounts,
    dataKeyDestroyed: true,
    blindIndexDeleted: true,
    remains: ERASURE_REMAINS,
  };
}
