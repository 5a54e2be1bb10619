import type { DomainEvent } from '../core/decider';
import type { IsoDate } from '../core/calendar';
import { streamIdOf } from '../core/stream-id';

/** 要點 十二(五): what the agency provides BLI — the roster, audit records, and other audit materials. */
export const INSPECTION_MATERIAL_KINDS = ['ROSTER', 'AUDIT_RECORDS', 'CHECK_RECORDS', 'OTHER'] as const;
export type InspectionMaterialKind = (typeof INSPECTION_MATERIAL_KINDS)[number];
/** Materials drawn from the ledger name the signed checkpoint they were drawn from, so BLI can verify them. */
export const LEDGER_MATERIALS: readonly InspectionMaterialKind[] = ['ROSTER', 'AUDIT_RECORDS', 'CHECK_RECORDS'];
/** 要點 十二(五): 限期說明或改善; 十二(六): 限期改善 after obstruction or a breach. */
export const BLI_REQUEST_KINDS = ['EXPLANATION', 'IMPROVEMENT'] as const;
export type BliRequestKind = (typeof BLI_REQUEST_KINDS)[number];

/** A signed checkpoint of the ledger (its tree size and base64 root hash, as `GET /ledger/checkpoints/latest` gives them). */
export interface CheckpointRef {
  treeSize: number;
  rootHash: string;
}

export interface InspectionMaterial {
  materialId: string;
  kind: InspectionMaterialKind;
  description: string;
  providedOn: IsoDate;
  checkpoint: CheckpointRef | null;
}

export type BliInspectionRecorded = DomainEvent<
  'BliInspectionRecorded',
  { inspectionId: string; agencyCode: string; startedOn: IsoDate; scope: string; materials: InspectionMaterial[] }
>;
export type InspectionMaterialsProvided = DomainEvent<'InspectionMaterialsProvided', { inspectionId: string; agencyCode: string; materials: InspectionMaterial[] }>;
export type BliActionRequested = DomainEvent<
  'BliActionRequested',
  {
    inspectionId: string;
    agencyCode: string;
    requestId: string;
    kind: BliRequestKind;
    receivedOn: IsoDate;
    summary: string;
    /** The date BLI set (要點 十二(五)(六)): met in time by the end of that Taipei day. */
    duty: { kind: 'BLI_REQUESTED_ACTION'; rule: string; dueDate: IsoDate };
  }
>;
export type BliRequestAnswered = DomainEvent<
  'BliRequestAnswered',
  { inspectionId: string; agencyCode: string; requestId: string; answeredAt: string; summary: string; evidence: string | null; onTime: boolean; meetsDuty: 'BLI_REQUESTED_ACTION' }
>;

export type InspectionEvent = BliInspectionRecorded | InspectionMaterialsProvided | BliActionRequested | BliRequestAnswered;

/** One stream per inspection. */
export const inspectionStreamId = (inspectionId: string) => streamIdOf('bliinspection', inspectionId);

/**
 * 要點 十二(六)(七): BLI's suspension or termination of WebIR service to an agency, the agency's
 * reapplication with evidence once improved, and the service resumed. `effectiveAt` is the UTC instant
 * it took effect in the world: "was agency X suspended at instant T" is answered from it.
 */
export type WebIRServiceSuspended = DomainEvent<'WebIRServiceSuspended', { agencyCode: string; effectiveAt: string; reason: string; reference: string | null; inspectionId: string | null }>;
export type WebIRServiceTerminated = DomainEvent<'WebIRServiceTerminated', { agencyCode: string; effectiveAt: string; reason: string; reference: string | null; inspectionId: string | null }>;
export type WebIRServiceReapplied = DomainEvent<'WebIRServiceReapplied', { agencyCode: string; reappliedAt: string; improvements: string; evidence: string; reference: string | null }>;
export type WebIRServiceResumed = DomainEvent<'WebIRServiceResumed', { agencyCode: string; effectiveAt: string; reference: string | null }>;

export type WebIRServiceEvent = WebIRServiceSuspended | WebIRServiceTerminated | WebIRServiceReapplied | WebIRServiceResumed;
export type WebIRServiceStatus = 'ACTIVE' | 'SUSPENDED' | 'TERMINATED';

/** One stream per agency: a handful of events over years. */
export const webirServiceStreamId = (agencyCode: string) => streamIdOf('webirservice', agencyCode);
