import type { DutyKind, LedgerEventType } from '@ledger/domain';
import type { RecordedEvent } from '@ledger/event-store';
import { Projection, ProjectionReader, ReadModelWrite, upsert } from '@ledger/read-models';
import { asLedgerRecorded, type RecordedOf } from '../ledger-events';
import { addMonthsToDate, endOfTaipeiDay, taipeiDate } from '../time';
import { addMonthsToMonth, monthEnd, monthlyCheckDueDate, quarterOf, quarterlySubmissionDueDate, taipeiMonthOf } from '@ledger/domain/core/calendar';
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
  // checks and audits
  /** 要點 十二(二) names no period: days to the joint audit report (1–365); unset: 30, a project default. Decided by the domain into the event. */
  jointAuditReportDays?: number;
  /** 要點 十二(四) names no period: days to the breach review report (1–365); unset: 30, a project default. Decided by the domain into the event. */
  breachReportDays?: number;
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
  // Checks and audits (要點 十(一)、十二(一)–(四)).
  MONTHLY_SAMPLING_CHECK: { rule: '要點 十二(一)', title: '每月抽查比對查詢紀錄並作成查核紀錄' },
  QUARTERLY_CHECK_SUBMISSION: { rule: '要點 十二(一)', title: '查核紀錄每三個月送權責管理機關備查' },
  ANNUAL_SELF_AUDIT: { rule: '要點 十二(三)', title: '每年自行辦理資訊安全稽核(含使用勞保局資料作業)' },
  JOINT_AUDIT_REPORT: { rule: '要點 十二(二)', title: '重大異常之聯合稽核報告' },
  BREACH_CORRECTION_REPORT: { rule: '要點 十二(四)', title: '違反本要點者立即改正並研提檢討報告予權責管理機關' },
  NO_DEDICATED_STAFF: { rule: '要點 十(一)', title: '指派專人辦理查核、稽核等事項' },
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
  | 'BLI_REQUESTED_ACTION'
  // Checks and audits.
  | 'MONTHLY_SAMPLING_CHECK'
  | 'QUARTERLY_CHECK_SUBMISSION'
  | 'ANNUAL_SELF_AUDIT'
  | 'JOINT_AUDIT_REPORT'
  | 'BREACH_CORRECTION_REPORT'
  | 'NO_DEDICATED_STAFF',
  { rule: string; title: string }
>;
export type ObligationKind = keyof typeof OBLIGATION_KINDS;

/** 要點 十二(三): every year. */
export const SELF_AUDIT_MONTHS = 12;
/** The ledger's own signed checkpoints (stream ledger-checkpoints): a month's checks arise when it closes. */
const CHECKPOINT_ISSUED = 'CheckpointIssued';
const lastMonthOfQuarter = (month: string) => addMonthsToMonth(`${month.slice(0, 4)}-01`, (Math.floor((Number(month.slice(5, 7)) - 1) / 3) + 1) * 3 - 1);

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
  /**
   * Met after it was due (metAt > dueAt), written with metAt so that a store can count the met late
   * without comparing two fields (version 2 on); whether it is met at a time T is still judged then.
   * Absent on documents projected before it existed.
   */
  metLate?: boolean;
}

/** The obligations collection as typed rows where the store can (ReadModelStore.declareTable): every field of ObligationDocument. */
export const OBLIGATION_TABLE = {
  columns: {
    obligationId: 'text', agencyCode: 'text', kind: 'text', rule: 'text', title: 'text', subject: 'text', dueDate: 'text', dueAt: 'text', dueGranularity: 'text',
    createdAt: 'text', createdKnownAt: 'text', createdBy: 'json', metAt: 'text', metKnownAt: 'text', metBy: 'json', metLate: 'boolean',
  },
} as const satisfies { columns: Record<keyof ObligationDocument, 'text' | 'json' | 'boolean'> };

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
    /** Business time the duty arose when it is not the event's own (a month's check arises when the month ends). */
    createdAt: string = event.metadata.occurredAt,
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
      createdAt,
      createdKnownAt: event.metadata.recordedAt,
      createdBy: ref(event),
      metAt: metOnCreation ? event.metadata.occurredAt : null,
      metKnownAt: metOnCreation ? event.metadata.recordedAt : null,
      metBy: metOnCreation ? ref(event) : null,
      metLate: metOnCreation && event.metadata.occurredAt > (dueInstant ?? endOfTaipeiDay(dueDate)),
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
      upsert(OBLIGATIONS.items, doc._id, {
        ...stripMeta(doc),
        metAt: event.metadata.occurredAt,
        metKnownAt: event.metadata.recordedAt,
        metBy: ref(event),
        metLate: event.metadata.occurredAt > doc.dueAt,
      }),
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
    // Checks and audits (要點 十二(一)–(四)).
    async MonthlyCheckSignedOff(event, read) {
      return meet(event, read, 'MONTHLY_SAMPLING_CHECK', `${event.data.agencyCode}.${event.data.month}`);
    },
    async QuarterlyCheckRecordsSubmitted(event, read) {
      // A missing monthly record keeps the quarter open: only the submission that completes it meets it.
      return event.data.complete ? meet(event, read, 'QUARTERLY_CHECK_SUBMISSION', `${event.data.agencyCode}.${event.data.quarter}`) : [];
    },
    async MajorAnomalyFound(event) {
      const d = event.data;
      return open(event, 'JOINT_AUDIT_REPORT', d.agencyCode, d.jointAuditId, d.reportDueDate);
    },
    async JointAuditReportFiled(event, read) {
      const d = event.data;
      return [...(await meet(event, read, 'JOINT_AUDIT_REPORT', d.jointAuditId)), ...breachDuties(event, d.agencyCode, d.findings, d.breachReportDueDate)];
    },
    async AuditReportFiled(event, read) {
      const d = event.data;
      const writes = breachDuties(event, d.auditedAgencyCode, d.findings, d.breachReportDueDate);
      if (d.kind !== 'SELF_AUDIT') return writes;
      const met = await meet(event, read, 'ANNUAL_SELF_AUDIT', d.auditedAgencyCode);
      return [...met, ...writes, ...open(event, 'ANNUAL_SELF_AUDIT', d.auditedAgencyCode, d.auditedAgencyCode, addMonthsToDate(dayOf(event), SELF_AUDIT_MONTHS))];
    },
    async BreachReviewReportSubmitted(event, read) {
      return meet(event, read, 'BREACH_CORRECTION_REPORT', `${event.data.reportStreamId}#${event.data.findingNo}`);
    },
    // 政風 (ethics): 要點 十二(二), the joint audit a violation opens; due date decided into the event.
    async InvestigationConcluded(event) {
      const audit = event.data.jointAudit;
      return audit ? open(event, 'JOINT_AUDIT_REPORT', audit.agencyCode, audit.jointAuditId, audit.dueDate) : [];
    },
  };

  /** 要點 十二(四): every breach found is owed a review report by the body in breach. */
  const breachDuties = (event: Source, agencyCode: string, findings: readonly { findingNo: number; breach: boolean }[], dueDate: string | null) =>
    dueDate === null ? [] : findings.filter((f) => f.breach).flatMap((f) => open(event, 'BREACH_CORRECTION_REPORT', agencyCode, `${event.streamId}#${f.findingNo}`, dueDate));

  /**
   * Checks and audits: duties that events read above also open. 要點 十(一): every body names dedicated
   * staff (an approved agency without any is tracked, due the day it arises: the 要點 names no
   * period); 十二(三): every body self-audits yearly from its onboarding; 十二(一): an approved
   * requester owes a check for every month that ends after its approval.
   */
  const bodyKey = (agencyCode: string) => `body:${agencyCode}`;
  type Body = { role?: string; staffed?: boolean; nextMonth?: string | null };
  const onboard = async (event: Source, read: ProjectionReader, agencyCode: string, body: Body): Promise<ReadModelWrite[]> => {
    const stored = await read.get<Body>(OBLIGATIONS.bodies, bodyKey(agencyCode));
    const known: Body = stored ? stripMeta(stored) : {};
    const writes: ReadModelWrite[] = [upsert(OBLIGATIONS.bodies, bodyKey(agencyCode), { ...known, ...body })];
    if (!(await isOpen(read, 'ANNUAL_SELF_AUDIT', agencyCode))) {
      writes.push(...open(event, 'ANNUAL_SELF_AUDIT', agencyCode, agencyCode, addMonthsToDate(dayOf(event), SELF_AUDIT_MONTHS)));
    }
    if (!known.staffed && !(await isOpen(read, 'NO_DEDICATED_STAFF', agencyCode))) writes.push(...open(event, 'NO_DEDICATED_STAFF', agencyCode, agencyCode, dayOf(event)));
    return writes;
  };
  const alsoOn: Handlers = {
    async AgencyRegistered(event, read) {
      const d = event.data;
      return d.role === 'DATA_REQUESTER' ? [] : onboard(event, read, d.agencyCode, { role: d.role });
    },
    async AgencyApprovedForWebIR(event, read) {
      const agency = event.data.agencyCode;
      const writes = await onboard(event, read, agency, { role: 'DATA_REQUESTER', nextMonth: taipeiMonthOf(event.metadata.occurredAt) });
      const list = (await read.get<{ agencies: string[] }>(OBLIGATIONS.bodies, 'REQUESTERS'))?.agencies ?? [];
      return list.includes(agency) ? writes : [...writes, upsert(OBLIGATIONS.bodies, 'REQUESTERS', { agencies: [...list, agency] })];
    },
    async AgencyPersonnelDesignated(event, read) {
      const d = event.data;
      if (d.personnelRole !== 'DEDICATED_STAFF') return [];
      const stored = await read.get<Body>(OBLIGATIONS.bodies, bodyKey(d.agencyCode));
      const body: Body = stored ? stripMeta(stored) : {};
      return [...(await meet(event, read, 'NO_DEDICATED_STAFF', d.agencyCode)), upsert(OBLIGATIONS.bodies, bodyKey(d.agencyCode), { ...body, staffed: true })];
    },
  };

  /**
   * 要點 十二(一): a month's check and, at a quarter's end, its submission arise when the month closes.
   * The ledger signs a checkpoint at every Asia/Taipei month close (and at least every interval), so
   * the first checkpoint of a later month opens them — for every month since the last one opened,
   * should the service have been down at a month's end.
   */
  const onCheckpoint = async (event: Source, read: ProjectionReader): Promise<ReadModelWrite[]> => {
    const current = taipeiMonthOf(event.metadata.occurredAt);
    const agencies = (await read.get<{ agencies: string[] }>(OBLIGATIONS.bodies, 'REQUESTERS'))?.agencies ?? [];
    const writes: ReadModelWrite[] = [];
    for (const agency of agencies) {
      const stored = await read.get<Body>(OBLIGATIONS.bodies, bodyKey(agency));
      if (!stored?.nextMonth || stored.nextMonth >= current) continue;
      let month = stored.nextMonth;
      for (; month < current; month = addMonthsToMonth(month, 1)) {
        writes.push(...open(event, 'MONTHLY_SAMPLING_CHECK', agency, `${agency}.${month}`, monthlyCheckDueDate(month), false, undefined, monthEnd(month)));
        if (month === lastMonthOfQuarter(month)) {
          const quarter = quarterOf(month);
          writes.push(...open(event, 'QUARTERLY_CHECK_SUBMISSION', agency, `${agency}.${quarter}`, quarterlySubmissionDueDate(quarter), false, undefined, monthEnd(month)));
        }
      }
      writes.push(upsert(OBLIGATIONS.bodies, bodyKey(agency), { ...stripMeta(stored), nextMonth: month }));
    }
    return writes;
  };
  // Each handler takes the payload of the type it is keyed by; the lookup below cannot say so to the compiler.
  type Handler = (e: RecordedOf<LedgerEventType>, r: ProjectionReader) => Promise<ReadModelWrite[]>;
  const handle = async (event: RecordedEvent, read: ProjectionReader) => {
    if (event.type === CHECKPOINT_ISSUED) return onCheckpoint(event, read);
    const typed = asLedgerRecorded(event) as RecordedOf<LedgerEventType>;
    const first = handlers[event.type as LedgerEventType] as Handler | undefined;
    const also = alsoOn[event.type as LedgerEventType] as Handler | undefined;
    return [...(first ? await first(typed, read) : []), ...(also ? await also(typed, read) : [])];
  };

  return {
    name: 'obligations',
    collections: [OBLIGATIONS.items, OBLIGATIONS.open, OBLIGATIONS.bodies],
    // 2: documents carry metLate, which the counts group by, and are kept as typed rows (a rebuild writes them).
    version: 2,
    // Typed rows: the counts and pages compare and group these fields for every obligation judged,
    // which on JSON text means parsing every document once per field (most of a count's cost).
    tables: { [OBLIGATIONS.items]: OBLIGATION_TABLE },
    // A page is read in (dueAt, _id) order, the order of its cursor: each index ends in that order,
    // so a page under an agency, a kind, both or neither is a range of one index and a LIMIT.
    indexes: {
      [OBLIGATIONS.items]: [
        { fields: ['dueAt', '_id'] },
        { fields: ['agencyCode', 'dueAt', '_id'] },
        { fields: ['kind', 'dueAt', '_id'] },
        { fields: ['agencyCode', 'kind', 'dueAt', '_id'] },
      ],
    },
    handles: (type) => type in handlers || type in alsoOn || type === CHECKPOINT_ISSUED,
    project: handle,
  };
}
