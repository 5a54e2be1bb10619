import { addDays, taipeiDateOf } from '../core/calendar';
import type { Decider } from '../core/decider';
import { ValidationError } from '../core/domain-error';
import { refuse, requireOneOf, requireText } from '../core/guards';
import { assertIdSegment } from '../core/stream-id';
import {
  ANOMALY_ID,
  EVIDENCE_KINDS,
  EvidenceKind,
  INVESTIGATION_CONCLUSIONS,
  InvestigationConclusion,
  InvestigationEvent,
  JointAuditOpened,
} from './ethics.events';
import { JOINT_AUDIT_REPORT_DAYS, JOINT_AUDIT_RULE, reportDays } from '../checks/monthly-check.decider';

export const INVESTIGATION_RULE = '要點 八';
const MAX_ANOMALIES = 500;
const MAX_TEXT = 4000;

/** What the anomaly read model says of an anomaly named by the command (the handler loads it). */
export interface AnomalyFacts {
  anomalyId: string;
  agencyCode: string;
  /** The investigation it is under, if any. */
  investigationId: string | null;
}

export interface OpenInvestigation {
  type: 'OpenInvestigation';
  investigationId: string;
  anomalyIds: readonly string[];
  title: string;
  /** One per anomaly id found; a missing one is unknown. */
  anomalies: readonly AnomalyFacts[];
}
export interface AddInvestigationNote {
  type: 'AddInvestigationNote';
  investigationId: string;
  text: string;
}
export interface AddInvestigationEvidence {
  type: 'AddInvestigationEvidence';
  investigationId: string;
  kind: EvidenceKind;
  reference: string;
  description: string;
}
export interface ConcludeInvestigation {
  type: 'ConcludeInvestigation';
  investigationId: string;
  conclusion: InvestigationConclusion;
  summary: string;
  /** Chosen by the handler (a random UUID): used only when the conclusion is a violation. */
  jointAuditId: string;
  /** From configuration (not the request): days to the joint audit report, 1–365, default 30. */
  jointAuditReportDays?: number;
}

export type InvestigationCommand = OpenInvestigation | AddInvestigationNote | AddInvestigationEvidence | ConcludeInvestigation;

export type InvestigationState =
  | { status: 'NONE' }
  | { status: 'OPEN' | 'CONCLUDED'; agencyCode: string; anomalyIds: string[]; notes: number; evidence: number; conclusion: InvestigationConclusion | null };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function boundedText(value: unknown, field: string, max = MAX_TEXT): string {
  const text = requireText(value, field);
  if ([...text].length > max) throw new ValidationError(field, `must be at most ${max} characters`);
  return text;
}

export const investigationDecider: Decider<InvestigationCommand, InvestigationEvent, InvestigationState> = {
  initialState: () => ({ status: 'NONE' }),
  evolve(state, event) {
    switch (event.type) {
      case 'InvestigationOpened':
        return { status: 'OPEN', agencyCode: event.data.agencyCode, anomalyIds: event.data.anomalyIds, notes: 0, evidence: 0, conclusion: null };
      case 'InvestigationNoteAdded':
        return state.status === 'NONE' ? state : { ...state, notes: event.data.noteNo };
      case 'InvestigationEvidenceAdded':
        return state.status === 'NONE' ? state : { ...state, evidence: event.data.evidenceNo };
      case 'InvestigationConcluded':
        return state.status === 'NONE' ? state : { ...state, status: 'CONCLUDED', conclusion: event.data.conclusion };
    }
  },
  decide(command, state, context) {
    assertIdSegment(command.investigationId, 'investigationId');
    const { investigationId } = command;
    if (command.type === 'OpenInvestigation') {
      if (state.status !== 'NONE') refuse('INVESTIGATION_ALREADY_OPENED', '要點 八', `investigation ${investigationId} already exists`);
      const title = boundedText(command.title, 'title', 200);
      if (!Array.isArray(command.anomalyIds) || command.anomalyIds.length === 0 || command.anomalyIds.length > MAX_ANOMALIES) {
        throw new ValidationError('anomalyIds', `must list 1–${MAX_ANOMALIES} anomalies`);
      }
      const anomalyIds = [...new Set(command.anomalyIds)];
      anomalyIds.forEach((id, i) => {
        if (typeof id !== 'string' || !ANOMALY_ID.test(id)) throw new ValidationError(`anomalyIds.${i}`, 'must be an anomaly id <KIND>:<position>[:<variant>]');
      });
      const facts = new Map(command.anomalies.map((a) => [a.anomalyId, a]));
      const unknown = anomalyIds.filter((id) => !facts.has(id));
      if (unknown.length) refuse('ANOMALY_UNKNOWN', '要點 八', 'an investigation is opened on anomalies the ledger has found', { anomalyIds: unknown });
      const agencies = new Set(anomalyIds.map((id) => facts.get(id)!.agencyCode));
      // 要點 十二(二): the joint audit a violation opens is the agency's; one investigation, one agency.
      if (agencies.size > 1) refuse('ANOMALIES_OF_SEVERAL_AGENCIES', '要點 十二(二)', 'one investigation covers anomalies of one agency', { agencies: [...agencies].sort() });
      const taken = anomalyIds.filter((id) => facts.get(id)!.investigationId !== null);
      if (taken.length) refuse('ANOMALY_ALREADY_INVESTIGATED', '要點 八', 'an anomaly is under one investigation at a time', { anomalyIds: taken });
      return [{ type: 'InvestigationOpened', data: { investigationId, agencyCode: [...agencies][0], anomalyIds, title } }];
    }
    if (state.status === 'NONE') refuse('INVESTIGATION_NOT_OPENED', '要點 八', `investigation ${investigationId} has not been opened`);
    if (state.status === 'CONCLUDED') refuse('INVESTIGATION_CONCLUDED', '要點 八', 'the investigation is concluded; its record is closed');
    switch (command.type) {
      case 'AddInvestigationNote':
        return [{ type: 'InvestigationNoteAdded', data: { investigationId, noteNo: state.notes + 1, text: boundedText(command.text, 'text') } }];
      case 'AddInvestigationEvidence':
        return [
          {
            type: 'InvestigationEvidenceAdded',
            data: {
              investigationId,
              evidenceNo: state.evidence + 1,
              kind: requireOneOf(command.kind, EVIDENCE_KINDS, 'kind'),
              reference: boundedText(command.reference, 'reference', 200),
              description: boundedText(command.description, 'description', 1000),
            },
          },
        ];
      case 'ConcludeInvestigation': {
        const conclusion = requireOneOf(command.conclusion, INVESTIGATION_CONCLUSIONS, 'conclusion');
        const summary = boundedText(command.summary, 'summary');
        let jointAudit: JointAuditOpened | null = null;
        if (conclusion === 'VIOLATION') {
          if (typeof command.jointAuditId !== 'string' || !UUID.test(command.jointAuditId)) throw new ValidationError('jointAuditId', 'must be a lowercase UUID');
          const days = reportDays(command.jointAuditReportDays, JOINT_AUDIT_REPORT_DAYS, 'jointAuditReportDays');
          // Decided once here, into the event: a later change of the default never re-judges it.
          jointAudit = { jointAuditId: command.jointAuditId, agencyCode: state.agencyCode, rule: JOINT_AUDIT_RULE, dueDate: addDays(taipeiDateOf(context.occurredAt), days) };
        }
        return [{ type: 'InvestigationConcluded', data: { investigationId, agencyCode: state.agencyCode, anomalyIds: state.anomalyIds, conclusion, summary, jointAudit } }];
      }
    }
  },
};
