import { assertIsoDate, endOfTaipeiDay, parseInstant, type IsoDate } from '../core/calendar';
import type { Decider } from '../core/decider';
import { NotFoundError, ValidationError } from '../core/domain-error';
import { isBlank, optionalText, refuse, requireOneOf } from '../core/guards';
import { assertIdSegment } from '../core/stream-id';
import type { InspectionCommand, InspectionMaterialInput, KnownCheckpoints, WebIRServiceCommand } from './inspection.commands';
import {
  BLI_REQUEST_KINDS,
  INSPECTION_MATERIAL_KINDS,
  InspectionEvent,
  InspectionMaterial,
  inspectionStreamId,
  LEDGER_MATERIALS,
  WebIRServiceEvent,
  WebIRServiceStatus,
  webirServiceStreamId,
} from './inspection.events';

export const INSPECTION_RULE = '要點 十二(五)';
const MAX_TEXT = 2000;
const MAX_MATERIALS = 100;

export interface InspectionRecord {
  inspectionId: string;
  agencyCode: string;
  startedOn: IsoDate;
  materialIds: string[];
  requests: Record<string, { kind: string; dueDate: IsoDate; answeredAt: string | null }>;
}
export type InspectionState = { status: 'NONE' } | (InspectionRecord & { status: 'RECORDED' });

/**
 * 要點 十二(五): the roster and audit records the agency provides are drawn from the ledger, so each
 * names the signed checkpoint it was drawn from — one the ledger holds, with that root hash — and BLI
 * can check them against the ledger with an inclusion or consistency proof.
 */
export function materialsOf(inputs: unknown, knownCheckpoints: KnownCheckpoints, existing: readonly string[] = []): InspectionMaterial[] {
  if (!Array.isArray(inputs) || inputs.length > MAX_MATERIALS) throw new ValidationError('materials', `must list at most ${MAX_MATERIALS} materials`);
  const seen = new Set(existing);
  return (inputs as InspectionMaterialInput[]).map((m, i) => {
    const field = `materials.${i}`;
    if (!m || typeof m !== 'object') throw new ValidationError(field, 'must describe the material');
    assertIdSegment(m.materialId, `${field}.materialId`);
    if (seen.has(m.materialId)) refuse('INSPECTION_MATERIAL_DUPLICATE', INSPECTION_RULE, `material ${m.materialId} is already recorded`);
    seen.add(m.materialId);
    const kind = requireOneOf(m.kind, INSPECTION_MATERIAL_KINDS, `${field}.kind`);
    assertIsoDate(m.providedOn, `${field}.providedOn`);
    const checkpoint = m.checkpoint ?? null;
    if (checkpoint === null) {
      if (LEDGER_MATERIALS.includes(kind)) {
        refuse('INSPECTION_MATERIAL_NEEDS_CHECKPOINT', INSPECTION_RULE, `${kind} is drawn from the ledger: name the signed checkpoint it was drawn from`, { materialId: m.materialId });
      }
    } else {
      if (!Number.isSafeInteger(checkpoint.treeSize) || checkpoint.treeSize < 1) throw new ValidationError(`${field}.checkpoint.treeSize`, 'must be a positive integer');
      if (knownCheckpoints[checkpoint.treeSize] !== checkpoint.rootHash) {
        refuse('INSPECTION_CHECKPOINT_UNKNOWN', INSPECTION_RULE, 'the ledger holds no signed checkpoint of that size with that root hash', { materialId: m.materialId, treeSize: checkpoint.treeSize });
      }
    }
    return { materialId: m.materialId, kind, description: text(m.description, `${field}.description`), providedOn: m.providedOn, checkpoint: checkpoint && { treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash } };
  });
}

export const inspectionDecider: Decider<InspectionCommand, InspectionEvent, InspectionState> = {
  initialState: () => ({ status: 'NONE' }),

  evolve(state, event) {
    if (event.type === 'BliInspectionRecorded') {
      const d = event.data;
      return { status: 'RECORDED', inspectionId: d.inspectionId, agencyCode: d.agencyCode, startedOn: d.startedOn, materialIds: d.materials.map((m) => m.materialId), requests: {} };
    }
    if (state.status === 'NONE') return state;
    switch (event.type) {
      case 'InspectionMaterialsProvided':
        return { ...state, materialIds: [...state.materialIds, ...event.data.materials.map((m) => m.materialId)] };
      case 'BliActionRequested':
        return { ...state, requests: { ...state.requests, [event.data.requestId]: { kind: event.data.kind, dueDate: event.data.duty.dueDate, answeredAt: null } } };
      case 'BliRequestAnswered': {
        const r = state.requests[event.data.requestId];
        return r ? { ...state, requests: { ...state.requests, [event.data.requestId]: { ...r, answeredAt: event.data.answeredAt } } } : state;
      }
      default:
        return state;
    }
  },

  decide(command, state, context) {
    if (command.type === 'RecordBliInspection') {
      inspectionStreamId(command.inspectionId);
      assertIdSegment(command.agencyCode, 'agencyCode');
      if (state.status !== 'NONE') refuse('INSPECTION_ALREADY_RECORDED', INSPECTION_RULE, `inspection ${command.inspectionId} is already recorded`);
      assertIsoDate(command.startedOn, 'startedOn');
      const materials = materialsOf(command.materials, command.knownCheckpoints);
      return [{ type: 'BliInspectionRecorded', data: { inspectionId: command.inspectionId, agencyCode: command.agencyCode, startedOn: command.startedOn, scope: text(command.scope, 'scope'), materials } }];
    }

    if (state.status === 'NONE') throw new NotFoundError('inspection', command.inspectionId);
    const { inspectionId, agencyCode } = state;
    switch (command.type) {
      case 'ProvideInspectionMaterials': {
        const materials = materialsOf(command.materials, command.knownCheckpoints, state.materialIds);
        if (materials.length === 0) throw new ValidationError('materials', 'must list at least one material');
        return [{ type: 'InspectionMaterialsProvided', data: { inspectionId, agencyCode, materials } }];
      }

      case 'RecordBliRequest': {
        assertIdSegment(command.requestId, 'requestId');
        if (state.requests[command.requestId]) refuse('BLI_REQUEST_DUPLICATE', INSPECTION_RULE, `BLI request ${command.requestId} is already recorded`);
        const kind = requireOneOf(command.kind, BLI_REQUEST_KINDS, 'kind');
        assertIsoDate(command.receivedOn, 'receivedOn');
        assertIsoDate(command.dueDate, 'dueDate');
        if (command.dueDate < command.receivedOn) throw new ValidationError('dueDate', 'must not be before receivedOn');
        // 要點 十二(五): 限期說明或改善 after an anomaly; 十二(六): 限期改善 after obstruction or a breach.
        const rule = kind === 'EXPLANATION' ? '要點 十二(五)' : '要點 十二(五)(六)';
        return [
          {
            type: 'BliActionRequested',
            data: { inspectionId, agencyCode, requestId: command.requestId, kind, receivedOn: command.receivedOn, summary: text(command.summary, 'summary'), duty: { kind: 'BLI_REQUESTED_ACTION', rule, dueDate: command.dueDate } },
          },
        ];
      }

      case 'AnswerBliRequest': {
        const request = state.requests[command.requestId];
        if (!request) refuse('BLI_REQUEST_UNKNOWN', INSPECTION_RULE, `no BLI request ${command.requestId} is recorded for this inspection`);
        if (request.answeredAt !== null) refuse('BLI_REQUEST_ALREADY_ANSWERED', INSPECTION_RULE, 'this BLI request was answered before; the first answer stays on record');
        const answeredAt = context.occurredAt.toISOString();
        return [
          {
            type: 'BliRequestAnswered',
            data: {
              inspectionId, agencyCode, requestId: command.requestId, answeredAt, summary: text(command.summary, 'summary'),
              evidence: optional(command.evidence, 'evidence'), onTime: answeredAt <= endOfTaipeiDay(request.dueDate), meetsDuty: 'BLI_REQUESTED_ACTION',
            },
          },
        ];
      }
    }
  },
};

export const SERVICE_RULE = '要點 十二(六)';

export interface WebIRServiceState {
  agencyCode: string | null;
  status: WebIRServiceStatus;
  /** Latest effective instant: periods follow each other in business time. */
  lastEffectiveAt: string | null;
  reapplied: boolean;
}

/** 要點 十二(六)(七): suspension and termination by BLI, reapplication with evidence, service resumed. */
export const webirServiceDecider: Decider<WebIRServiceCommand, WebIRServiceEvent, WebIRServiceState> = {
  initialState: () => ({ agencyCode: null, status: 'ACTIVE', lastEffectiveAt: null, reapplied: false }),

  evolve(state, event) {
    switch (event.type) {
      case 'WebIRServiceSuspended':
        return { ...state, agencyCode: event.data.agencyCode, status: 'SUSPENDED', lastEffectiveAt: event.data.effectiveAt, reapplied: false };
      case 'WebIRServiceTerminated':
        return { ...state, agencyCode: event.data.agencyCode, status: 'TERMINATED', lastEffectiveAt: event.data.effectiveAt, reapplied: false };
      case 'WebIRServiceReapplied':
        return { ...state, reapplied: true };
      case 'WebIRServiceResumed':
        return { ...state, status: 'ACTIVE', lastEffectiveAt: event.data.effectiveAt, reapplied: false };
      default:
        return state;
    }
  },

  decide(command, state, context) {
    webirServiceStreamId(command.agencyCode);
    switch (command.type) {
      case 'SuspendWebIRService':
      case 'TerminateWebIRService': {
        const effectiveAt = effective(command.effectiveAt, state);
        // A suspension may end in termination; nothing stops a service twice.
        if (state.status === 'TERMINATED' || (state.status === 'SUSPENDED' && command.type === 'SuspendWebIRService')) {
          refuse('WEBIR_SERVICE_ALREADY_STOPPED', SERVICE_RULE, `the service is already ${state.status}`, { status: state.status });
        }
        if (command.inspectionId !== null) assertIdSegment(command.inspectionId, 'inspectionId');
        const data = { agencyCode: command.agencyCode, effectiveAt, reason: text(command.reason, 'reason'), reference: optional(command.reference, 'reference'), inspectionId: command.inspectionId };
        return [command.type === 'SuspendWebIRService' ? { type: 'WebIRServiceSuspended', data } : { type: 'WebIRServiceTerminated', data }];
      }
      case 'ReapplyForWebIRService': {
        if (state.status === 'ACTIVE') refuse('WEBIR_SERVICE_NOT_STOPPED', '要點 十二(七)', 'the service is neither suspended nor terminated');
        if (isBlank(command.evidence)) throw new ValidationError('evidence', 'is required: a reapplication comes with evidence of the improvement (要點 十二(七))');
        return [
          {
            type: 'WebIRServiceReapplied',
            data: { agencyCode: command.agencyCode, reappliedAt: context.occurredAt.toISOString(), improvements: text(command.improvements, 'improvements'), evidence: text(command.evidence, 'evidence'), reference: optional(command.reference, 'reference') },
          },
        ];
      }
      case 'ResumeWebIRService': {
        if (state.status === 'ACTIVE') refuse('WEBIR_SERVICE_NOT_STOPPED', '要點 十二(七)', 'the service is neither suspended nor terminated');
        if (!state.reapplied) refuse('WEBIR_SERVICE_REAPPLICATION_REQUIRED', '要點 十二(七)', 'the service resumes on a reapplication with evidence of the improvement');
        return [{ type: 'WebIRServiceResumed', data: { agencyCode: command.agencyCode, effectiveAt: effective(command.effectiveAt, state), reference: optional(command.reference, 'reference') } }];
      }
    }
  },
};

function effective(value: unknown, state: WebIRServiceState): string {
  const parsed = parseInstant(value);
  if (!parsed.ok) throw new ValidationError('effectiveAt', parsed.reason);
  if (state.lastEffectiveAt !== null && parsed.instant < state.lastEffectiveAt) throw new ValidationError('effectiveAt', 'must not be before the previous change of service');
  return parsed.instant;
}

function text(value: unknown, field: string): string {
  if (isBlank(value)) throw new ValidationError(field, 'is required');
  const t = (value as string).trim();
  if ([...t].length > MAX_TEXT) throw new ValidationError(field, `must be at most ${MAX_TEXT} characters`);
  return t;
}

function optional(value: unknown, field: string): string | null {
  const t = optionalText(value);
  if (t !== null && [...t].length > MAX_TEXT) throw new ValidationError(field, `must be at most ${MAX_TEXT} characters`);
  return t;
}
