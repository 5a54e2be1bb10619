import type { DutyKind, LedgerEventType } from '@ledger/domain';
import type { RecordedEvent } from '@ledger/event-store';
import { Projection, ProjectionReader, ReadModelWrite, upsert } from '@ledger/read-models';
import { asLedgerRecorded, type RecordedOf } from '../ledger-events';
import { addMonthsToDate, endOfTaipeiDay, taipeiDate } from '../time';
import { agencyOfAccount, stripMeta } from '../roster/roster.projection';

/**
 * Deadlines that DOMAIN.md makes configurable. Recurring duties (yearly reviews, training) are
 * scheduled here from these; a deadline fixed relative to one event (要點 七's BLI notice, the
 * effective date of a move) is decided by the domain into the event and only read here.
 */
export interface ObligationDeadlines {
  bliNoticeDays: number;
  accessReviewMonths: number;
  usageReviewMonths: number;
  trainingMonths: number;
}

export const DEFAULT_DEADLINES: ObligationDeadlines = { bliNoticeDays: 7, accessReviewMonths: 12, usageReviewMonths: 12, trainingMonths: 12 };

/**
 * The duties the domain opens with an event (DutyKind: its events carry `duty` and `meetsDuty`) and
 * the recurring ones this read model schedules itself. `satisfies` keeps the two lists from drifting:
 * a duty kind added to the domain and missing here is a compile error.
 */
export const OBLIGATION_KINDS = {
  NOTIFY_BLI_OF_PERSONNEL_CHANGE: { rule: '要點 七', title: '聯繫窗口、專責人員或單位主管異動後七日內通知勞保局' },
  DISABLE_PREDECESSOR_ADMIN: { rule: '要點 六(四)', title: '管理者職務異動,於異動前或當日停止原管理者帳號' },
  ADJUST_OR_REMOVE_MOVED_USER: { rule: '要點 六(五)', title: '使用者職務異動,於異動前或當日調整權限或刪除帳號' },
  ANNUAL_ACCESS_REVIEW: { rule: '要點 六(六)', title: '每年至少辦理使用者帳號權限清查一次' },
  QUERY_ITEM_USAGE_REVIEW: { rule: '要點 九(三)', title: '每年檢視已核准查調項目之使用情形' },
  DEDICATED_STAFF_TRAINING: { rule: '要點 十(二)', title: '專責人員完成資通安全教育訓練' },
  REPORT_ADMIN_POST_CHANGE_IN_ADVANCE: { rule: '要點 六(四)', title: '管理者職務異動,應於異動前辦理帳號異動程序' },
  REPORT_USER_POST_CHANGE_IN_ADVANCE: { rule: '要點 六(五)', title: '使用者職務異動,應於異動前辦理帳號異動程序' },
  // 政風 (ethics) and checks: opened by an investigation concluded as a violation (and by a major anomaly of the monthly check)
  JOINT_AUDIT_REPORT: { rule: '要點 十二(二)', title: '重大異常之聯合稽核報告' },
} as const satisfies Record<
  | DutyKind
  | 'ANNUAL_ACCESS_REVIEW'
  | 'QUERY_ITEM_USAGE_REVIEW'
  | 'DEDICATED_STAFF_TRAINING'
  | 'REPORT_ADMIN_POST_CHANGE_IN_ADVANCE'
  | 'REPORT_USER_POST_CHANGE_IN_ADVANCE'
  | 'JOINT_AUDIT_REPORT',
  { rule: string; title: string }
>;
export type ObligationKind = keyof typeof OBLIGATION_KINDS;

export const OBLIGATIONS = { items: 'obligations', open: 'obligation_open', bodies: 'obligation_bodies' } as const;

export interface ObligationDocument {
  obligationId: string;
  agencyCode: string;
  kind: ObligationKind;
  rule: string;
  title: string;
  /** What it is about: an account id, an agency, an operation code, a person id or a change number. */
  subject: string;
  dueDate: string;
  /** End of the due day in Asia/Taipei, as an instant. */
  dueAt: string;
  createdAt: string;
  /** Ledger time the creating event was recorded: before it the ledger did not know of the obligation. */
  createdKnownAt: string;
  createdBy: { eventId: string; streamId: string; position: string; type: string };
  metAt: string | null;
  /** Ledger time the meeting event was recorded. */
  metKnownAt: string | null;
  metBy: { eventId: string; streamId: string; position: string; type: string } | null;
}

export type ObligationState = 'open' | 'met' | 'overdue';

export interface ObligationView extends ObligationDocument {
  state: ObligationState;
  /** Met, but after the due time. */
  metLate: boolean;
  asOf: string;
}

/**
 * The state at time T is computed when asked, from due and met times, so it is right for any T
 * regardless of when the projection ran; obligations created after T do not exist yet at T.
 */
export function obligationAt(doc: ObligationDocument, at: string, knownAt?: string): ObligationView | undefined {
  if (doc.createdAt > at) return undefined;
  // As the ledger knew it at knownAt: an obligation or its fulfilment recorded later is not known yet.
  if (knownAt !== undefined && (doc.createdKnownAt ?? doc.createdAt) > knownAt) return undefined;
  const met = doc.metAt !== null && doc.metAt <= at && (knownAt === undefined || (doc.metKnownAt ?? doc.metAt) <= knownAt);
  const state: ObligationState = met ? 'met' : doc.dueAt < at ? 'overdue' : 'open';
  return { ...doc, state, metLate: met && doc.metAt! > doc.dueAt, asOf: at, ...(met ? {} : { metAt: null, metKnownAt: null, metBy: null }) };
}

/** What an obligation records of the event that opened or met it: never its payload. */
type Source = Omit<RecordedEvent, 'data' | 'type'> & { type: string };

const ref = (e: Source) => ({ eventId: e.eventId, streamId: e.streamId, position: e.position.toString(), type: e.type });

/** One handler per event type it reads, given that type's payload. */
type Handlers = { [T in LedgerEventType]?: (event: RecordedOf<T>, read: ProjectionReader) => Promise<ReadModelWrite[]> };

export function obligationsProjection(deadlines: ObligationDeadlines = DEFAULT_DEADLINES): Projection {
  const open = (
    event: Source,
    kind: ObligationKind,
    agencyCode: string,
    subject: string,
    dueDate: string,
    metOnCreation = false,
  ): ReadModelWrite[] => {
    const obligationId = `${kind}:${subject}:${event.position}`;
    const doc: ObligationDocument = {
      obligationId,
      agencyCode,
      kind,
      rule: OBLIGATION_KINDS[kind].rule,
      title: OBLIGATION_KINDS[kind].title,
      subject,
      dueDate,
      dueAt: endOfTaipeiDay(dueDate),
      createdAt: event.metadata.occurredAt,
      createdKnownAt: event.metadata.recordedAt,
      createdBy: ref(event),
      metAt: metOnCreation ? event.metadata.occurredAt : null,
      metKnownAt: metOnCreation ? event.metadata.recordedAt : null,
      metBy: metOnCreation ? ref(event) : null,
    };
    if (metOnCreation) return [upsert(OBLIGATIONS.items, obligationId, { ...doc })];
    return [upsert(OBLIGATIONS.items, obligationId, { ...doc }), upsert(OBLIGATIONS.open, `${kind}:${subject}`, { obligationId })];
  };

  /** Marks the open obligation of this kind and subject met; nothing when none is open. */
  const meet = async (event: Source, read: ProjectionReader, kind: ObligationKind, subject: string): Promise<ReadModelWrite[]> => {
    const pointer = await read.get<{ obligationId: string | null }>(OBLIGATIONS.open, `${kind}:${subject}`);
    if (!pointer?.obligationId) return [];
    const doc = await read.get<ObligationDocument>(OBLIGATIONS.items, pointer.obligationId);
    if (!doc || doc.metAt) return [];
    return [
      upsert(OBLIGATIONS.items, doc._id, { ...stripMeta(doc), metAt: event.metadata.occurredAt, metKnownAt: event.metadata.recordedAt, metBy: ref(event) }),
      upsert(OBLIGATIONS.open, `${kind}:${subject}`, { obligationId: null }),
    ];
  };

  const isOpen = async (read: ProjectionReader, kind: ObligationKind, subject: string) =>
    Boolean((await read.get<{ obligationId: string | null }>(OBLIGATIONS.open, `${kind}:${subject}`))?.obligationId);

  const dayOf = (event: Source) => taipeiDate(event.metadata.occurredAt);

  const meetsDuty = async (event: RecordedOf<'AccountDisabled' | 'AccountDeleted' | 'AccountQueryItemsGranted' | 'AccountQueryItemsRevoked'>, read: ProjectionReader) =>
    event.data.meetsDuty ? meet(event, read, event.data.meetsDuty, event.data.accountId) : [];

  /** 要點 九(三): the usage review is the central admin's, whichever requester holds the item. */
  const centralAdmin = async (read: ProjectionReader, fallback: string) =>
    (await read.get<{ agencyCode: string }>(OBLIGATIONS.bodies, 'CENTRAL_ADMIN'))?.agencyCode ?? fallback;

  const handlers: Handlers = {
    async AgencyRegistered(event) {
      const d = event.data;
      return d.role === 'CENTRAL_ADMIN' ? [upsert(OBLIGATIONS.bodies, 'CENTRAL_ADMIN', { agencyCode: d.agencyCode })] : [];
    },
    async AgencyPersonnelDesignated(event, read) {
      const d = event.data;
      const agency = d.agencyCode;
      const writes: ReadModelWrite[] = [];
      if (d.duty) {
        // Decided once, by the domain, into the event: configuration never re-judges it here.
        writes.push(...open(event, 'NOTIFY_BLI_OF_PERSONNEL_CHANGE', agency, `${agency}#${d.changeNo}`, d.duty.dueDate));
      }
      if (d.personnelRole === 'DEDICATED_STAFF' && !(await isOpen(read, 'DEDICATED_STAFF_TRAINING', d.personId))) {
        writes.push(...open(event, 'DEDICATED_STAFF_TRAINING', agency, d.personId, addMonthsToDate(d.effectiveDate, deadlines.trainingMonths)));
      }
      return writes;
    },
    async BliNotifiedOfPersonnelChange(event, read) {
      return meet(event, read, 'NOTIFY_BLI_OF_PERSONNEL_CHANGE', `${event.data.agencyCode}#${event.data.changeNo}`);
    },
    async DedicatedStaffTrainingRecorded(event, read) {
      const d = event.data;
      const met = await meet(event, read, 'DEDICATED_STAFF_TRAINING', d.personId);
      return [...met, ...open(event, 'DEDICATED_STAFF_TRAINING', d.agencyCode, d.personId, addMonthsToDate(d.completedOn, deadlines.trainingMonths))];
    },
    async AgencyApprovedForWebIR(event, read) {
      const agency = event.data.agencyCode;
      if (await isOpen(read, 'ANNUAL_ACCESS_REVIEW', agency)) return [];
      return open(event, 'ANNUAL_ACCESS_REVIEW', agency, agency, addMonthsToDate(dayOf(event), deadlines.accessReviewMonths));
    },
    async AccessReviewClosed(event, read) {
      const agency = event.data.agencyCode;
      const met = await meet(event, read, 'ANNUAL_ACCESS_REVIEW', agency);
      return [...met, ...open(event, 'ANNUAL_ACCESS_REVIEW', agency, agency, addMonthsToDate(dayOf(event), deadlines.accessReviewMonths))];
    },
    async QueryItemGranted(event, read) {
      const d = event.data;
      const subject = `${d.agencyCode}.${d.operationCode}`;
      const owner = await centralAdmin(read, d.agencyCode);
      return open(event, 'QUERY_ITEM_USAGE_REVIEW', owner, subject, addMonthsToDate(dayOf(event), deadlines.usageReviewMonths));
    },
    async QueryItemUsageReviewed(event, read) {
      const d = event.data;
      const subject = `${d.agencyCode}.${d.operationCode}`;
      const met = await meet(event, read, 'QUERY_ITEM_USAGE_REVIEW', subject);
      const owner = await centralAdmin(read, d.agencyCode);
      return [...met, ...open(event, 'QUERY_ITEM_USAGE_REVIEW', owner, subject, addMonthsToDate(dayOf(event), deadlines.usageReviewMonths))];
    },
    async QueryItemTerminated(event, read) {
      // A terminated item needs no further usage review: the termination is the review's outcome.
      return meet(event, read, 'QUERY_ITEM_USAGE_REVIEW', `${event.data.agencyCode}.${event.data.operationCode}`);
    },
    async AccountCreated(event, read) {
      // Onboarding: an agency with accounts owes a yearly review even if it never needed WebIR approval.
      const agency = event.data.agencyCode;
      if (await isOpen(read, 'ANNUAL_ACCESS_REVIEW', agency)) return [];
      return open(event, 'ANNUAL_ACCESS_REVIEW', agency, agency, addMonthsToDate(dayOf(event), deadlines.accessReviewMonths));
    },
    async AccountPostChanged(event) {
      const { duty, accountId, effectiveDate, reportedLate } = event.data;
      if (!duty) return [];
      const agency = agencyOfAccount(accountId);
      const writes = open(event, duty.kind, agency, accountId, duty.dueDate ?? effectiveDate);
      if (reportedLate === true) {
        // 要點 六(四)(五): filed after the move, the report itself was late; shown as met late.
        const kind = duty.kind === 'DISABLE_PREDECESSOR_ADMIN' ? 'REPORT_ADMIN_POST_CHANGE_IN_ADVANCE' : 'REPORT_USER_POST_CHANGE_IN_ADVANCE';
        writes.push(...open(event, kind, agency, accountId, effectiveDate, true));
      }
      return writes;
    },
    AccountDisabled: meetsDuty,
    AccountDeleted: meetsDuty,
    AccountQueryItemsGranted: meetsDuty,
    AccountQueryItemsRevoked: meetsDuty,
    // 政風 (ethics): 要點 十二(二), the joint audit a violation opens; due date decided into the event.
    async InvestigationConcluded(event) {
      const audit = event.data.jointAudit;
      return audit ? open(event, 'JOINT_AUDIT_REPORT', audit.agencyCode, audit.jointAuditId, audit.dueDate) : [];
    },
  };
  // Each handler takes the payload of the type it is keyed by; the lookup below cannot say so to the compiler.
  const handle = (event: RecordedEvent, read: ProjectionReader) =>
    (handlers[event.type as LedgerEventType] as (e: RecordedOf<LedgerEventType>, r: ProjectionReader) => Promise<ReadModelWrite[]>)(asLedgerRecorded(event) as RecordedOf<LedgerEventType>, read);

  return {
    name: 'obligations',
    collections: [OBLIGATIONS.items, OBLIGATIONS.open, OBLIGATIONS.bodies],
    indexes: { [OBLIGATIONS.items]: [{ fields: ['agencyCode', 'dueAt'] }, { fields: ['kind', 'dueAt'] }] },
    handles: (type) => type in handlers,
    project: handle,
  };
}
