import {
  accessReviewDecider,
  accessReviewStreamId,
  accountDecider,
  accountIdOf,
  accountStreamId,
  agencyDecider,
  agencyStreamId,
  applicationDecider,
  applicationStreamId,
  Decider,
  DomainEvent,
  fold,
  type LedgerEventType,
} from '@ledger/domain';
import type { RecordedEvent } from '@ledger/event-store';
import { projectEvents, SqliteReadModelStore } from '@ledger/read-models';
import { obligationsProjection } from './obligations/obligations.projection';
import { obligationsAt } from './obligations/obligations.queries';
import { rosterOf } from './roster/roster.queries';
import { rosterProjection } from './roster/roster.projection';
import { recorded } from './testing/recorded';

/**
 * The projections fed with events the deciders themselves wrote, not payloads typed by hand: if a
 * decider changes what it writes, these tests see the change. Together with the projections reading
 * the domain's payload types (a renamed field is a compile error in them and in `recorded()`), the
 * two sides of the event contract cannot drift apart unnoticed.
 */
class DecidedLedger {
  readonly events: RecordedEvent[] = [];
  private readonly streams = new Map<string, DomainEvent[]>();

  state<S>(streamId: string, decider: Pick<Decider<unknown, DomainEvent, S>, 'initialState' | 'evolve'>): S {
    return fold(decider, this.streams.get(streamId) ?? []);
  }

  /** Decides `command` on the stream's folded state and records what the decider wrote. */
  run<C, E extends DomainEvent, S>(streamId: string, decider: Decider<C, E, S>, command: C, occurredAt: string): E[] {
    const history = (this.streams.get(streamId) ?? []) as E[];
    const decided = decider.decide(command, fold(decider, history), { now: new Date(occurredAt), occurredAt: new Date(occurredAt), actor: 'contract-test' });
    this.streams.set(streamId, [...history, ...decided]);
    for (const event of decided) this.events.push(recorded(streamId, event.type as LedgerEventType, event.data as never, occurredAt));
    return decided;
  }
}

const AGENCY = 'SWD001';
const USER_KEY = 'a1'.repeat(32);
const ADMIN_KEY = 'c3'.repeat(32);
const userId = accountIdOf(AGENCY, 'USER', USER_KEY);
const adminId = accountIdOf(AGENCY, 'ADMIN', ADMIN_KEY);
const holder = (key: string) => ({ personId: `person_${key.slice(0, 8)}`, holderKey: key, nationalIdCiphertext: 'v1.iv.tag.nid', nameCiphertext: 'v1.iv.tag.name' });

function history(): RecordedEvent[] {
  const ledger = new DecidedLedger();
  const agency = agencyStreamId(AGENCY);
  ledger.run(agency, agencyDecider, { type: 'RegisterAgency', agencyCode: AGENCY, name: '臺北市政府社會局', role: 'DATA_REQUESTER' }, '2025-01-02T01:00:00.000Z');
  ledger.run(agency, agencyDecider, { type: 'ApproveAgencyForWebIR', agencyCode: AGENCY, reference: '北市勞字第1140001號' }, '2025-01-10T01:00:00.000Z');

  const account = (applicationId: string, kind: 'ADMIN' | 'USER', key: string, accountId: string, at: string) => {
    const form = applicationStreamId(applicationId);
    ledger.run(form, applicationDecider, { type: 'SubmitApplication', applicationId, agencyCode: AGENCY, kind: `${kind}_ACCOUNT_ADD`, accountId }, at);
    for (const step of kind === 'ADMIN' ? (['SUPERVISOR', 'COMPETENT_AUTHORITY'] as const) : (['SUPERVISOR'] as const)) {
      ledger.run(form, applicationDecider, { type: 'ApproveApplicationStep', applicationId, step }, at);
    }
    const application = ledger.state(form, applicationDecider);
    ledger.run(accountStreamId(accountId), accountDecider, {
      type: 'CreateAccount', accountId, agencyCode: AGENCY, kind, applicationId, application,
      holder: holder(key), myEGovAccountId: `egov_${key.slice(0, 4)}`, certificateBound: true, post: '科員', unit: '社會救助科',
    }, at);
  };
  account('app_admin', 'ADMIN', ADMIN_KEY, adminId, '2025-02-03T01:00:00.000Z');
  account('app_user', 'USER', USER_KEY, userId, '2025-02-04T01:00:00.000Z');

  const review = accessReviewStreamId('SWD001_2025');
  const reviewer = ledger.state(accountStreamId(adminId), accountDecider);
  ledger.run(review, accessReviewDecider, { type: 'OpenAccessReview', reviewId: 'SWD001_2025', agencyCode: AGENCY, reviewer }, '2025-05-01T01:00:00.000Z');
  ledger.run(review, accessReviewDecider, { type: 'RecordAccessReviewFinding', reviewId: 'SWD001_2025', accountId: userId, finding: 'CHANGED_DUTIES', action: 'ADJUSTED' }, '2025-05-02T01:00:00.000Z');
  ledger.run(review, accessReviewDecider, { type: 'CloseAccessReview', reviewId: 'SWD001_2025', rosterAccountIds: [userId] }, '2025-05-03T01:00:00.000Z');

  const user = accountStreamId(userId);
  ledger.run(user, accountDecider, { type: 'RecordAccountPostChange', accountId: userId, effectiveDate: '2025-06-30', newPost: '專員' }, '2025-06-01T01:00:00.000Z');
  ledger.run(user, accountDecider, { type: 'DisableAccount', accountId: userId, reason: '調離原職' }, '2025-06-30T02:00:00.000Z');
  return ledger.events;
}

describe('projections over events the deciders wrote', () => {
  let store: SqliteReadModelStore;
  beforeAll(async () => {
    store = new SqliteReadModelStore({ file: ':memory:' });
    const events = history();
    await projectEvents(rosterProjection, store, events);
    await projectEvents(obligationsProjection(), store, events);
  });
  afterAll(() => store.close());

  it('要點 十二(五): the roster shows both accounts as the deciders left them, with the last access review', async () => {
    const roster = await rosterOf(store, AGENCY, { kind: 'current' });
    expect(roster.agency).toMatchObject({ agencyCode: AGENCY, name: '臺北市政府社會局', role: 'DATA_REQUESTER', lastAccessReviewId: 'SWD001_2025' });
    expect(roster.entries).toEqual([
      expect.objectContaining({ accountId: adminId, kind: 'ADMIN', status: 'ACTIVE', approvedAt: '2025-02-03T01:00:00.000Z', myEGovAccountId: 'egov_c3c3' }),
      expect.objectContaining({
        accountId: userId, kind: 'USER', status: 'DISABLED', post: '專員', unit: '社會救助科', incarnation: 1,
        personId: 'person_a1a1a1a1', disabledAt: '2025-06-30T02:00:00.000Z', lastReviewId: 'SWD001_2025', lastReviewFinding: 'CHANGED_DUTIES',
      }),
    ]);
  });

  it('要點 六(五)、六(六): the duties the deciders opened are met by the events that fulfil them', async () => {
    const view = await obligationsAt(store, { at: '2025-07-01T00:00:00.000Z', agencyCode: AGENCY });
    expect(view.map((o) => [o.kind, o.subject, o.dueDate, o.state])).toEqual(
      expect.arrayContaining([
        ['ANNUAL_ACCESS_REVIEW', AGENCY, '2026-01-10', 'met'],
        ['ANNUAL_ACCESS_REVIEW', AGENCY, '2026-05-03', 'open'],
        ['ADJUST_OR_REMOVE_MOVED_USER', userId, '2025-06-30', 'met'],
        // 要點 十(一)、十二(三): approval also opened the dedicated-staff and self-audit duties, unmet in this history.
        ['NO_DEDICATED_STAFF', AGENCY, '2025-01-10', 'overdue'],
        ['ANNUAL_SELF_AUDIT', AGENCY, '2026-01-10', 'open'],
      ]),
    );
    expect(view).toHaveLength(5);
  });
});

/**
 * Checked by the type check (`npm run typecheck`), not at run time: each line must fail to compile,
 * and a `@ts-expect-error` with no error under it is itself an error. Never called.
 */
const handBuiltPayloadsAreChecked = () => {
  // @ts-expect-error `operationCode` is not a field of AccountQueryItemsGranted (it is `operationCodes`)
  recorded(accountStreamId(userId), 'AccountQueryItemsGranted', { accountId: userId, operationCode: ['L01'], applicationId: 'a' }, '2025-01-01T00:00:00.000Z');
  // @ts-expect-error v2 of AccessReviewClosed counts every finding
  recorded(accessReviewStreamId('r'), 'AccessReviewClosed', { reviewId: 'r', agencyCode: AGENCY, reviewedAccounts: 0, findings: {} }, '2025-01-01T00:00:00.000Z');
};
void handBuiltPayloadsAreChecked;
