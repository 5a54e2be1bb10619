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
  // records
  /** 要點 十一(二): days to delete obtained data after its use ended (1–28, stricter only); unset: one calendar month. Decided by the domain into the event. */
  deleteObtainedDataDays?: number;
  /** 要點 十二(十) 即時: minutes to notify BLI of an incident after its discovery (1–60, stricter only). Decided by the domain into the event. */
  incidentNoticeMinutes?: number;
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
  // WebIR query logs (要點 九(一)): opened per logged query found without a registration
  EXPLAIN_UNREGISTERED_QUERY: { rule: '要點 九(一)', title: '說明無查詢資料登記表之查詢紀錄(或補登記)' },
  // records: obtained data, incidents, inspections
  DELETE_OBTAINED_DATA: { rule: '要點 十一(二)', title: '資料使用完竣或依據失效後一個月內刪除(含暫存、備份及衍生檔案)' },
  NOTIFY_BLI_OF_INCIDENT: { rule: '要點 十二(十)', title: '個人資料安全事故或疑似事故即時通報勞保局' },
  BLI_REQUESTED_ACTION: { rule: '要點 十二(五)(六)', title: '勞保局通知限期說明或改善,於所定期限內辦理' },
} as const satisfies Record<
  | DutyKind
  | 'ANNUAL_ACCESS_REVIEW'
  | 'QUERY_ITEM_USAGE_REVIEW'
  | 'DEDICATED_STAFF_TRAINING'
  | 'REPORT_ADMIN_POST_CHANGE_IN_ADVANCE'
  | 'REPORT_USER_POST_CHANGE_IN_ADVANCE'
  // WebIR query logs
  | 'EXPLAIN_UNREGISTERED_QUERY'
  // records
  | 'DELETE_OBTAINED_DATA'
  | 'NOTIFY_BLI_OF_INCIDENT'
  | 'BLI_REQUESTED_ACTION',
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
  /** The Asia/Taipei day it is due on. */
  dueDate: string;
  /** When it becomes overdue: the end of the due day in Asia/Taipei, or the instant itself for a duty due at an instant. */
  dueAt: string;
  /**
   * `day` (met in time by the end of dueDate) for most duties; `instant` where the 要點 says 即時 and
   * a day is far too coarse (要點 十二(十): BLI notified of an incident within the hour). Absent on
   * documents projected before it existed, which are all day-granular.
   */
  dueGranularity?: 'day' | 'instant';
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
    /** A duty due at an instant rather than by the end of a day: its UTC instant (dueDate is then its Taipei day). */
    dueInstant?: string,
  ): ReadModelWrite[] => {
    const obligationId = `${kind}:${subject}:${event.position}`;
    const doc: ObligationDocument = {
      obligationId,
      agencyCode,
      kind,
      rule: OBLIGATION_KINDS[kind].rule,
      title: OBLIGATION_KINDS[kind].title,
      subject,
      dueDate: dueInstant ? taipeiDate(dueInstant) : dueDate,
      dueAt: dueInstant ?? endOfTaipeiDay(dueDate),
      dueGranularity: dueInstant ? 'instant' : 'day',
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
    // WebIR query logs (要點 九(一)): one obligation per logged query without a registration, subject `<importId>.<lineNo>`
    async UnregisteredQueriesFound(event) {
      const d = event.data;
      return d.queries.flatMap((q) => open(event, d.duty.kind, d.agencyCode, `${d.importId}.${q.lineNo}`, d.duty.dueDate));
    },
    async UnregisteredQueryExplained(event, read) {
      return meet(event, read, event.data.meetsDuty, `${event.data.importId}.${event.data.lineNo}`);
    },
    // records: obtained data (要點 十一(二)); the due date was decided by the domain into the event.
    async ObtainedDataUseEnded(event) {
      const d = event.data;
      return open(event, 'DELETE_OBTAINED_DATA', d.agencyCode, d.recordId, d.duty.dueDate);
    },
    async ObtainedDataDeleted(event, read) {
      // A deletion that leaves a backup, a derived file or the temporary files meets nothing yet.
      return event.data.meetsDuty ? meet(event, read, 'DELETE_OBTAINED_DATA', event.data.recordId) : [];
    },
    // records: incidents (要點 十二(十) 即時): due at an instant, not by the end of a day.
    async IncidentReported(event) {
      const d = event.data;
      return open(event, 'NOTIFY_BLI_OF_INCIDENT', d.agencyCode, d.incidentId, taipeiDate(d.duty.dueAt), false, d.duty.dueAt);
    },
    async BliNotifiedOfIncident(event, read) {
      return event.data.meetsDuty ? meet(event, read, 'NOTIFY_BLI_OF_INCIDENT', event.data.incidentId) : [];
    },
    // records: BLI inspections (要點 十二(五)(六)): due on the date BLI set, filed under the agency inspected.
    async BliActionRequested(event) {
      const d = event.data;
      return open(event, 'BLI_REQUESTED_ACTION', d.agencyCode, `${d.inspectionId}.${d.requestId}`, d.duty.dueDate);
    },
    async BliRequestAnswered(event, read) {
      return meet(event, read, 'BLI_REQUESTED_ACTION', `${event.data.inspectionId}.${event.data.requestId}`);
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
