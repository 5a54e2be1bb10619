import type { AccessReviewEvent } from '../access-review/access-review.events';
import type { AccountEvent } from '../account/account.events';
import type { AgencyEvent } from '../agency/agency.events';
import type { ApplicationEvent } from '../application/application.events';
import type { QueryItemEvent } from '../query-item/query-item.events';
import type { QueryRegistrationEvent } from '../query-registration/query-registration.events';
import type { QueryLogEvent, UnregisteredQueryEvent } from '../query-log/query-log.events';
import { ACCESS_REVIEW_FINDINGS } from '../access-review/access-review.events';
// records: obtained data (要點 八、九(一)3、十一)
import type { ObtainedDataEvent } from '../obtained-data/obtained-data.events';
import type { IncidentEvent } from '../incidents/incident.events';
import type { InspectionEvent, WebIRServiceEvent } from '../inspections/inspection.events';
// Checks and audits (要點 十二(一)–(四)).
import type { MonthlyCheckEvent } from '../checks/monthly-check.events';
import type { QuarterlySubmissionEvent } from '../checks/quarterly-submission';
import type { AuditEvent } from '../audits/audit';
import type { JointAuditEvent } from '../audits/joint-audit';
import type { CaseAssignmentEvent, InvestigationEvent, RelationsEvent } from '../ethics/ethics.events';

/**
 * The one event contract of the ledger: every event type the domain writes, the payload type it
 * carries (`LedgerEventData<'AccountCreated'>`), the schema version written today, and how a payload
 * stored under an older version becomes today's. Stored events are never rewritten (their hash covers
 * the payload as stored); they are lifted to the current shape when read, by the command path before
 * folding and by the projection runner before projecting, so deciders and projections only ever see
 * the current version.
 */
export type LedgerEvent =
  | AgencyEvent
  | ApplicationEvent
  | QueryItemEvent
  | AccountEvent
  | AccessReviewEvent
  | QueryRegistrationEvent
  // WebIR query logs and their reconciliation (要點 九(一)(二))
  | QueryLogEvent
  | UnregisteredQueryEvent
  // records: obtained data, incidents, inspections
  | ObtainedDataEvent
  | IncidentEvent
  | InspectionEvent
  | WebIRServiceEvent
  // Checks and audits (要點 十二(一)–(四)).
  | MonthlyCheckEvent
  | QuarterlySubmissionEvent
  | AuditEvent
  | JointAuditEvent
  // 政風 (ethics): case assignments, relations lists, investigations
  | CaseAssignmentEvent
  | RelationsEvent
  | InvestigationEvent;
export type LedgerEventType = LedgerEvent['type'];
export type LedgerEventData<T extends LedgerEventType> = Extract<LedgerEvent, { type: T }>['data'];

/** An upcaster lifts the payload of version `n` to version `n + 1`; it gets the stored metadata for facts the old payload left there. */
export type Upcaster = (data: Record<string, unknown>, metadata: Readonly<StoredEventMetadata>) => Record<string, unknown>;

export interface EventSchema {
  /** Version written by today's deciders. */
  schemaVersion: number;
  /** Keyed by the version it lifts from; every version from 1 to schemaVersion − 1 has one. */
  upcasters?: Readonly<Record<number, Upcaster>>;
}

/** What a stored event looks like from the domain's side (the domain imports no store). */
export interface StoredEventMetadata {
  schemaVersion?: number;
  occurredAt: string;
}
export interface StoredEventLike {
  type: string;
  data: unknown;
  metadata: StoredEventMetadata;
}

const v1: EventSchema = { schemaVersion: 1 };

/** A type missing here, or one here that the domain no longer declares, is a compile error. */
export const EVENT_REGISTRY: { readonly [T in LedgerEventType]: EventSchema } = {
  AgencyRegistered: v1,
  AgencyApprovedForWebIR: v1,
  AgencyPersonnelDesignated: v1,
  BliNotifiedOfPersonnelChange: v1,
  DedicatedStaffTrainingRecorded: v1,
  ApplicationSubmitted: v1,
  ApplicationStepApproved: v1,
  ApplicationStepRejected: v1,
  ApplicationCompleted: v1,
  QueryItemApplied: v1,
  QueryItemApprovedByCompetentAuthority: v1,
  QueryItemSubmittedToBli: v1,
  QueryItemApprovedByBli: v1,
  QueryItemRefused: v1,
  QueryItemGranted: v1,
  QueryItemTerminated: v1,
  QueryItemUsageReviewed: v1,
  AccountCreated: v1,
  AccountQueryItemsGranted: v1,
  AccountQueryItemsRevoked: v1,
  AccountPostChanged: v1,
  AccountDisabled: v1,
  AccountDeleted: v1,
  AccessReviewOpened: v1,
  AccessReviewFindingRecorded: v1,
  AccessReviewClosed: {
    // v2: every finding is counted, zero included — the record 要點 六(六) keeps five years then says
    // "none found" outright instead of leaving a reader to guess what a missing key meant.
    schemaVersion: 2,
    upcasters: {
      1: (data) => ({
        ...data,
        findings: Object.fromEntries(ACCESS_REVIEW_FINDINGS.map((f) => [f, (data.findings as Record<string, number> | undefined)?.[f] ?? 0])),
      }),
    },
  },
  QueryRegistered: v1,
  // WebIR query logs and their reconciliation (要點 九(一)(二))
  QueryLogImportStarted: v1,
  QueryLogLinesAccepted: v1,
  QueryLogLinesRejected: v1,
  QueryLogImportCompleted: v1,
  UnregisteredQueriesFound: v1,
  QueryLogReconciled: v1,
  UnregisteredQueryExplained: v1,
  // records: obtained data (要點 八、九(一)3、十一)
  ObtainedDataRecorded: v1,
  ObtainedDataCopyMade: v1,
  ObtainedDataDisclosed: v1,
  ObtainedDataUseEnded: v1,
  ObtainedDataDeleted: v1,
  // records: security incidents (要點 十二(十))
  IncidentReported: v1,
  IncidentActionRecorded: v1,
  BliNotifiedOfIncident: v1,
  IncidentClosed: v1,
  // records: BLI inspections, suspension and termination of service (要點 十二(五)(六)(七))
  BliInspectionRecorded: v1,
  InspectionMaterialsProvided: v1,
  BliActionRequested: v1,
  BliRequestAnswered: v1,
  WebIRServiceSuspended: v1,
  WebIRServiceTerminated: v1,
  WebIRServiceReapplied: v1,
  WebIRServiceResumed: v1,
  // Checks and audits (要點 十二(一)–(四)).
  MonthlySampleDrawn: v1,
  SampleEntryCompared: v1,
  MajorAnomalyFound: v1,
  MonthlyCheckSignedOff: v1,
  QuarterlyCheckRecordsSubmitted: v1,
  AuditReportFiled: v1,
  JointAuditReportFiled: v1,
  BreachReviewReportSubmitted: v1,
  // 政風 (ethics)
  CaseAssignmentRecorded: v1,
  RelationDeclared: v1,
  RelationWithdrawn: v1,
  InvestigationOpened: v1,
  InvestigationNoteAdded: v1,
  InvestigationEvidenceAdded: v1,
  InvestigationConcluded: v1,
};

export const isLedgerEventType = (type: string): type is LedgerEventType => Object.prototype.hasOwnProperty.call(EVENT_REGISTRY, type);

/** The version a new event of this type is written with; 1 for types outside the registry (security, keys). */
export function schemaVersionOf(type: string): number {
  return isLedgerEventType(type) ? EVENT_REGISTRY[type].schemaVersion : 1;
}

export class UnknownSchemaVersionError extends Error {
  constructor(
    readonly type: string,
    readonly version: number,
  ) {
    super(`event ${type} has schema version ${version}, which this build cannot read`);
    this.name = 'UnknownSchemaVersionError';
  }
}

/**
 * The stored event with its payload lifted to today's version (a new object: the stored one is
 * left as it was, its hash still matches). Types outside the registry pass through unchanged.
 */
export function upcast<R extends StoredEventLike>(event: R): R {
  if (!isLedgerEventType(event.type)) return event;
  const schema = EVENT_REGISTRY[event.type];
  let version = event.metadata.schemaVersion ?? 1;
  if (version === schema.schemaVersion) return event;
  // A newer payload than this build knows would be folded wrongly: stop instead of guessing.
  if (!Number.isInteger(version) || version < 1 || version > schema.schemaVersion) throw new UnknownSchemaVersionError(event.type, version);
  let data = event.data as Record<string, unknown>;
  for (; version < schema.schemaVersion; version++) {
    const lift = schema.upcasters?.[version];
    if (!lift) throw new UnknownSchemaVersionError(event.type, version);
    data = lift(data, event.metadata);
  }
  return { ...event, data, metadata: { ...event.metadata, schemaVersion: version } };
}

export const upcastAll = <R extends StoredEventLike>(events: readonly R[]): R[] => events.map(upcast);

/**
 * A stored event as a member of the ledger's union: after `upcast`, `event.type` narrows `event.data`
 * to the domain's payload type. Readers outside the domain (projections) switch on it and get a
 * compile error when a field they read is renamed or removed.
 */
export type Recorded<R, E extends LedgerEvent = LedgerEvent> = E extends LedgerEvent ? Omit<R, 'type' | 'data'> & { type: E['type']; data: E['data'] } : never;

/** Upcasts and types a stored event of a registered type; undefined for any other type. */
export function asLedgerEvent<R extends StoredEventLike>(event: R): Recorded<R> | undefined {
  return isLedgerEventType(event.type) ? (upcast(event) as unknown as Recorded<R>) : undefined;
}
