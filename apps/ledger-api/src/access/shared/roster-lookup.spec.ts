import type { AccountEvent } from '@ledger/domain';
import { accountCreated, KEY_A, KEY_B, KEY_C } from '@ledger/domain/core/test-fixtures';
import type { EventStore, ReadAllOptions, RecordedEvent } from '@ledger/event-store';
import { EventLogRosterLookup } from './roster-lookup';

/** Just enough of a store: readAll in pages, as the real adapters page it. */
function storeOf(streams: [string, AccountEvent[]][], filler = 0): EventStore {
  const log: RecordedEvent[] = [];
  const push = (streamId: string, revision: number, event: { type: string; data: object }) =>
    log.push({ streamId, revision, position: BigInt(log.length + 1), eventId: `e${log.length}`, type: event.type, data: event.data as Record<string, unknown>, metadata: {} as RecordedEvent['metadata'] });
  for (let i = 0; i < filler; i++) push(`noise-${i}`, 0, { type: 'Noise', data: {} });
  for (const [accountId, events] of streams) events.forEach((event, revision) => push(`account-${accountId}`, revision, event));
  return {
    readAll: async ({ after, maxCount = 1000 }: ReadAllOptions = {}) => log.filter((e) => after === undefined || e.position > after).slice(0, maxCount),
  } as unknown as EventStore;
}

describe('EventLogRosterLookup (要點 六(六) roster until the read model exists)', () => {
  const created = (kind: 'ADMIN' | 'USER', key: string, agency = 'SWD') => accountCreated(kind, key, agency);
  const id = (event: AccountEvent) => (event.data as { accountId: string }).accountId;

  it("lists the agency's active user accounts only, reading the whole log page by page", async () => {
    const active = created('USER', KEY_A);
    const disabled = created('USER', KEY_B);
    const deleted = created('USER', KEY_C);
    const admin = created('ADMIN', KEY_A);
    const otherAgency = created('USER', KEY_A, 'SWD2');
    const store = storeOf(
      [
        [id(active), [active]],
        [id(disabled), [disabled, { type: 'AccountDisabled', data: { accountId: id(disabled), reason: 'x', disabledOn: '2025-07-01' } }]],
        [id(deleted), [deleted, { type: 'AccountDeleted', data: { accountId: id(deleted), reason: 'x', applicationId: 'app_rm' } }]],
        [id(admin), [admin]],
        [id(otherAgency), [otherAgency]],
      ],
      2500,
    );
    await expect(new EventLogRosterLookup(store).activeUserAccountIds('SWD')).resolves.toEqual([id(active)]);
  });
});
