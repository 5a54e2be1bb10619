import { randomUUID } from 'node:crypto';
import { taipeiDateOf } from '@ledger/domain/core/calendar';
import type { EventStore } from '@ledger/event-store/types';

const metadata = (actor: string, at: Date) => {
  const id = randomUUID();
  return { eventId: id, metadata: { $correlationId: id, $causationId: id, commandId: id, actor, occurredAt: at.toISOString() } };
};
const day = (at: Date) => taipeiDateOf(at).replace(/-/g, '');

/**
 * A package is an audited read (要點 十二(五)): its generation is recorded in the ledger with who made
 * it, for which agency and period, from which checkpoint, and the digest of its manifest, so a package
 * shown later can be matched to the one handed over.
 */
export async function recordPackageGenerated(
  store: Pick<EventStore, 'append'>,
  read: { packageId: string; reader: string; agencyCode: string; from: string; to: string; holders: 'masked' | 'revealed'; purpose: string | null; treeSize: number; events: number; manifestSha256: string; via: 'cli' | 'http' },
  at: Date,
): Promise<void> {
  const { eventId, metadata: meta } = metadata(read.reader, at);
  await store.append(`pkgaccess-${day(at)}`, [{ eventId, type: 'InspectionPackageGenerated', data: { ...read }, metadata: meta }], 'any');
}

/** Before unmasked holders go into a package: the same PersonalDataRead record the roster's reveal writes. */
export async function recordHolderReveal(
  store: Pick<EventStore, 'append'>,
  read: { reader: string; roles: string[]; purpose: string; route: string; agencyCode: string; accountIds: string[] },
  at: Date,
): Promise<void> {
  const { eventId, metadata: meta } = metadata(read.reader, at);
  await store.append(`pdaccess-${day(at)}`, [{ eventId, type: 'PersonalDataRead', data: { ...read, fields: ['nationalId', 'name'] }, metadata: meta }], 'any');
}
