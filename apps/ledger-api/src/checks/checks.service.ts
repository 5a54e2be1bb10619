import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import {
  agencyStreamId,
  auditDecider,
  AuditKind,
  auditStreamId,
  drawSample,
  jointAuditDecider,
  jointAuditStreamId,
  monthlyCheckDecider,
  monthlyCheckStreamId,
  monthsOfQuarter,
  quarterlySubmissionDecider,
  quarterlySubmissionStreamId,
  SampleDraw,
  SubmittedMonthlyCheck,
  upcastAll,
  type ComparisonOutcome,
  type MonthlyCheckState,
} from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { OBLIGATIONS, type ObligationDocument } from '@ledger/projections';
import type { ReadModelStore } from '@ledger/read-models';
import { CommandEnvelope, CommandProcessor, CommandResult } from '../common/command-processor';
import { AccessStates } from '../access/shared/access-states';
import { EVENT_STORE, READ_MODELS } from '../infrastructure/event-store.provider';
import { closingCheckpoint } from './closing-checkpoint';
import { MONTHLY_POPULATION, type MonthlyPopulationSource } from './monthly-population';

export const sha256 = (data: Uint8Array): Uint8Array => createHash('sha256').update(data).digest();

/** The draw as anyone recomputes it now, next to the one the ledger recorded (if any). */
export interface SampleRecomputation {
  agencyCode: string;
  month: string;
  closingCheckpoint: Awaited<ReturnType<typeof closingCheckpoint>>;
  recomputed: SampleDraw | null;
  recorded: { seed: string; population: number; sampleSize: number; sample: string[]; checkpointPosition: string } | null;
  /** True when a draw is recorded and today's recomputation gives the same seed and sample. */
  matches: boolean | null;
  entryIds: string[];
  /** WebIR log imports of the month started and not completed (a draw waits for them). */
  importsIncomplete: number;
}

/** 要點 十(一)、十二(一)–(四): commands of checks and audits; each loads what its decider needs. */
@Injectable()
export class ChecksService {
  constructor(
    private readonly processor: CommandProcessor,
    private readonly states: AccessStates,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(MONTHLY_POPULATION) private readonly populations: MonthlyPopulationSource,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  async monthlyCheck(agencyCode: string, month: string): Promise<{ streamId: string; revision: number; state: MonthlyCheckState }> {
    return this.states.view(monthlyCheckStreamId(agencyCode, month), monthlyCheckDecider);
  }

  draw(agencyCode: string, month: string, expectedSeed: string | undefined, envelope: CommandEnvelope): Promise<CommandResult> {
    return this.processor.execute(
      {
        streamId: monthlyCheckStreamId(agencyCode, month),
        decider: monthlyCheckDecider,
        request: { type: 'DrawMonthlySample', agencyCode, month, expectedSeed },
        command: async () => {
          const [agency, checkpoint, population] = await Promise.all([this.states.agency(agencyCode), closingCheckpoint(this.store, month), this.populations.population(agencyCode, month)]);
          return { type: 'DrawMonthlySample' as const, agencyCode, month, expectedSeed, closingCheckpoint: checkpoint, ...population, agency, sha256 };
        },
      },
      envelope,
    );
  }

  /** Recomputes the draw from the closing checkpoint and the month's logs, and compares it with the recorded one. */
  async recompute(agencyCode: string, month: string): Promise<SampleRecomputation> {
    const [checkpoint, population, events] = await Promise.all([
      closingCheckpoint(this.store, month),
      this.populations.population(agencyCode, month),
      this.store.readStream(monthlyCheckStreamId(agencyCode, month), { maxCount: 1 }),
    ]);
    const drawn = events.find((e) => e.type === 'MonthlySampleDrawn');
    const d = drawn?.data as { seed: string; population: number; sampleSize: number; sample: string[]; checkpoint: { position: string; origin: string; treeSize: number; rootHash: string; recordedAt: string; note: string } } | undefined;
    // The draw is recomputed from the checkpoint it recorded; a different closing checkpoint today would itself be a finding.
    const seedCheckpoint = d?.checkpoint ?? checkpoint;
    const recomputed = seedCheckpoint ? drawSample({ agencyCode, month, checkpoint: seedCheckpoint, logDigests: population.logDigests, entryIds: population.entryIds }, sha256) : null;
    const recorded = d ? { seed: d.seed, population: d.population, sampleSize: d.sampleSize, sample: d.sample, checkpointPosition: d.checkpoint.position } : null;
    const matches =
      recorded && recomputed
        ? recorded.seed === recomputed.seed && recorded.sample.join('\n') === recomputed.sample.join('\n') && (checkpoint?.position ?? null) === recorded.checkpointPosition
        : null;
    return { agencyCode, month, closingCheckpoint: checkpoint, recomputed, recorded, matches, entryIds: population.entryIds, importsIncomplete: population.importsIncomplete };
  }

  compare(agencyCode: string, month: string, input: { entryId: string; outcome: ComparisonOutcome; registrationId?: string; note?: string; majorAnomaly?: boolean }, envelope: CommandEnvelope): Promise<CommandResult> {
    const request = { type: 'RecordSampleComparison' as const, agencyCode, month, ...input };
    // The joint audit's id is random (COMMON contract); it is not part of the request, so a retry is still a retry.
    return this.processor.execute({ streamId: monthlyCheckStreamId(agencyCode, month), decider: monthlyCheckDecider, request, command: () => ({ ...request, jointAuditId: randomUUID(), jointAuditReportDays: this.config.deadlines.jointAuditReportDays }) }, envelope);
  }

  signOff(agencyCode: string, month: string, checkerPersonId: string, envelope: CommandEnvelope): Promise<CommandResult> {
    const request = { type: 'SignOffMonthlyCheck' as const, agencyCode, month, checkerPersonId };
    return this.processor.execute(
      { streamId: monthlyCheckStreamId(agencyCode, month), decider: monthlyCheckDecider, request, command: async () => ({ ...request, agency: await this.states.agency(agencyCode) }) },
      envelope,
    );
  }

  quarterlySubmission(agencyCode: string, quarter: string) {
    return this.states.view(quarterlySubmissionStreamId(agencyCode, quarter), quarterlySubmissionDecider);
  }

  submitQuarter(agencyCode: string, quarter: string, competentAuthorityCode: string, envelope: CommandEnvelope): Promise<CommandResult> {
    const request = { type: 'SubmitQuarterlyCheckRecords' as const, agencyCode, quarter, competentAuthorityCode };
    return this.processor.execute(
      {
        streamId: quarterlySubmissionStreamId(agencyCode, quarter),
        decider: quarterlySubmissionDecider,
        request,
        command: async () => {
          const signedOff: SubmittedMonthlyCheck[] = [];
          for (const month of monthsOfQuarter(quarter)) {
            const view = await this.monthlyCheck(agencyCode, month);
            if (view.state.status === 'SIGNED_OFF') signedOff.push({ month, population: view.state.population, sampleSize: view.state.sampleSize, signedOffRevision: view.revision });
          }
          const agencyEvents = upcastAll(await this.store.readStream(agencyStreamId(agencyCode)));
          const approvedAt = agencyEvents.find((e) => e.type === 'AgencyApprovedForWebIR')?.metadata.occurredAt ?? null;
          return { ...request, competentAuthority: await this.states.agency(competentAuthorityCode), approvedAt, signedOff };
        },
      },
      envelope,
    );
  }

  audit(auditId: string) {
    return this.states.view(auditStreamId(auditId), auditDecider);
  }

  fileAudit(
    input: { auditId: string; kind: AuditKind; auditedAgencyCode: string; competentAuthorityCode?: string; centralAdminCode?: string; periodFrom: string; periodTo: string; coversBliDataWork: boolean; summary: string; findings: { description: string; breach: boolean; rule?: string }[]; proposals?: { kind: 'REWARD' | 'PENALTY'; text: string }[] },
    envelope: CommandEnvelope,
  ): Promise<CommandResult> {
    const request = { type: 'FileAuditReport' as const, ...input };
    return this.processor.execute(
      {
        streamId: auditStreamId(input.auditId),
        decider: auditDecider,
        request,
        command: async () => ({
          ...request,
          breachReportDays: this.config.deadlines.breachReportDays,
          auditedAgency: await this.states.agency(input.auditedAgencyCode),
          centralAdmin: input.centralAdminCode ? await this.states.agency(input.centralAdminCode) : undefined,
        }),
      },
      envelope,
    );
  }

  reviewAuditBreach(auditId: string, findingNo: number, input: { correctedOn: string; correction: string; review: string; competentAuthorityCode: string }, envelope: CommandEnvelope): Promise<CommandResult> {
    const request = { type: 'SubmitBreachReviewReport' as const, auditId, findingNo, ...input };
    return this.processor.execute(
      { streamId: auditStreamId(auditId), decider: auditDecider, request, command: async () => ({ ...request, competentAuthority: await this.states.agency(input.competentAuthorityCode) }) },
      envelope,
    );
  }

  jointAudit(jointAuditId: string) {
    return this.states.view(jointAuditStreamId(jointAuditId), jointAuditDecider);
  }

  /** The joint audit as the obligations read model knows it: opened by a major anomaly or an ethics violation. */
  async openedJointAudit(jointAuditId: string): Promise<{ agencyCode: string } | null> {
    const [doc] = await this.readModels.find<ObligationDocument>(OBLIGATIONS.items, { kind: 'JOINT_AUDIT_REPORT', subject: jointAuditId.toLowerCase() }, { limit: 1 });
    return doc ? { agencyCode: doc.agencyCode } : null;
  }

  fileJointAuditReport(jointAuditId: string, input: { checkerPersonId: string; ethicsUnit: string; itUnit: string; conclusion: string; findings: { description: string; breach: boolean; rule?: string }[] }, envelope: CommandEnvelope): Promise<CommandResult> {
    const request = { type: 'FileJointAuditReport' as const, jointAuditId, ...input };
    return this.processor.execute(
      { streamId: jointAuditStreamId(jointAuditId), decider: jointAuditDecider, request, command: async () => ({ ...request, breachReportDays: this.config.deadlines.breachReportDays, opened: await this.openedJointAudit(jointAuditId) }) },
      envelope,
    );
  }

  reviewJointAuditBreach(jointAuditId: string, findingNo: number, input: { correctedOn: string; correction: string; review: string; competentAuthorityCode: string }, envelope: CommandEnvelope): Promise<CommandResult> {
    const request = { type: 'SubmitBreachReviewReport' as const, jointAuditId, findingNo, ...input };
    return this.processor.execute(
      { streamId: jointAuditStreamId(jointAuditId), decider: jointAuditDecider, request, command: async () => ({ ...request, competentAuthority: await this.states.agency(input.competentAuthorityCode) }) },
      envelope,
    );
  }
}
