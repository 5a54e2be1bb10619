import type { IsoDate } from '../core/calendar';
import type { BliRequestKind, InspectionMaterial } from './inspection.events';

/** Material as the client sends it; the handler loads which checkpoints the ledger has signed. */
export type InspectionMaterialInput = InspectionMaterial;

/** Checkpoints the ledger holds: tree size → base64 root hash. */
export type KnownCheckpoints = Readonly<Record<number, string>>;

export interface RecordBliInspection {
  type: 'RecordBliInspection';
  inspectionId: string;
  agencyCode: string;
  startedOn: IsoDate;
  scope: string;
  materials: InspectionMaterialInput[];
  knownCheckpoints: KnownCheckpoints;
}

export interface ProvideInspectionMaterials {
  type: 'ProvideInspectionMaterials';
  inspectionId: string;
  materials: InspectionMaterialInput[];
  knownCheckpoints: KnownCheckpoints;
}

export interface RecordBliRequest {
  type: 'RecordBliRequest';
  inspectionId: string;
  requestId: string;
  kind: BliRequestKind;
  receivedOn: IsoDate;
  dueDate: IsoDate;
  summary: string;
}

export interface AnswerBliRequest {
  type: 'AnswerBliRequest';
  inspectionId: string;
  requestId: string;
  summary: string;
  evidence: string | null;
}

export type InspectionCommand = RecordBliInspection | ProvideInspectionMaterials | RecordBliRequest | AnswerBliRequest;

/** Effective instants are ISO-8601 with their offset. */
export interface SuspendWebIRService {
  type: 'SuspendWebIRService' | 'TerminateWebIRService';
  agencyCode: string;
  effectiveAt: string;
  reason: string;
  reference: string | null;
  inspectionId: string | null;
}

export interface ReapplyForWebIRService {
  type: 'ReapplyForWebIRService';
  agencyCode: string;
  improvements: string;
  evidence: string;
  reference: string | null;
}

export interface ResumeWebIRService {
  type: 'ResumeWebIRService';
  agencyCode: string;
  effectiveAt: string;
  reference: string | null;
}

export type WebIRServiceCommand = SuspendWebIRService | ReapplyForWebIRService | ResumeWebIRService;
