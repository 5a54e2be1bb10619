import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import {
  caseAssignmentDecider,
  caseAssignmentStreamId,
  investigationDecider,
  InvestigationCommand,
  investigationStreamId,
  NotFoundError,
  relationsDecider,
  relationsStreamId,
} from '@ledger/domain';
import type { PersonalDataProtector } from '@ledger/personal-data';
import { getAnomaly } from '@ledger/projections';
import type { ReadModelStore } from '@ledger/read-models';
import { CommandEnvelope, CommandProcessor, CommandResult } from '../common/command-processor';
import { PERSONAL_DATA, READ_MODELS } from '../infrastructure/event-store.provider';
import { AccessStates } from '../access/shared/access-states';
import type { DeclareRelationsDto, RecordCaseAssignmentDto, WithdrawRelationDto } from './ethics.dto';

/** Case numbers are free text; the stream is named by a digest of the agency and the number. */
export const caseKeyOf = (agencyCode: string, caseNumber: string) => createHash('sha256').update(`${agencyCode}\u0000${caseNumber.trim()}`).digest('hex').slice(0, 32);

type Fields<T> = Omit<T, 'commandId' | 'occurredAt' | 'correlationId' | 'causationId'>;

/** 政風's records (要點 八、十二(二)) through the one command path. */
@Injectable()
export class EthicsCommands {
  constructor(
    private readonly processor: CommandProcessor,
    private readonly states: AccessStates,
    @Inject(PERSONAL_DATA) private readonly protector: PersonalDataProtector,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  recordCaseAssignment(dto: Fields<RecordCaseAssignmentDto>, envelope: CommandEnvelope): Promise<CommandResult> {
    const caseKey = caseKeyOf(dto.agencyCode, dto.caseNumber);
    const request = { type: 'RecordCaseAssignment' as const, agencyCode: dto.agencyCode, caseNumber: dto.caseNumber, caseKey, accountIds: dto.accountIds, assignedFrom: dto.assignedFrom };
    return this.processor.execute({ streamId: caseAssignmentStreamId(dto.agencyCode, caseKey), decider: caseAssignmentDecider, request }, envelope);
  }

  async declareRelations(dto: Fields<DeclareRelationsDto>, envelope: CommandEnvelope): Promise<CommandResult> {
    const holderPersonId = await this.holderOf(dto.accountId);
    // The numbers stop here: the list keeps the blind index's random person ids only.
    const entries = await Promise.all(dto.entries.map(async (e) => ({ relatedPersonId: (await this.protector.resolvePerson(e.nationalId)).personId, relation: e.relation })));
    const request = { type: 'DeclareRelations' as const, accountId: dto.accountId, holderPersonId, entries };
    return this.processor.execute({ streamId: relationsStreamId(dto.accountId), decider: relationsDecider, request }, envelope);
  }

  async withdrawRelation(dto: Fields<WithdrawRelationDto>, envelope: CommandEnvelope): Promise<CommandResult> {
    await this.holderOf(dto.accountId);
    // An unknown number has no person id, so it is on no list: the decider refuses it as not declared.
    const relatedPersonId = (await this.protector.findPerson(dto.nationalId)) ?? 'person_unknown';
    const request = { type: 'WithdrawRelation' as const, accountId: dto.accountId, relatedPersonId, reason: dto.reason };
    return this.processor.execute({ streamId: relationsStreamId(dto.accountId), decider: relationsDecider, request }, envelope);
  }

  async investigation(command: InvestigationCommand, envelope: CommandEnvelope): Promise<CommandResult> {
    const streamId = investigationStreamId(command.investigationId);
    if (command.type === 'OpenInvestigation') {
      const { anomalies: _loaded, ...request } = command;
      return this.processor.execute(
        {
          streamId,
          decider: investigationDecider,
          request,
          command: async () => {
            const found = await Promise.all([...new Set(command.anomalyIds)].map((id) => getAnomaly(this.readModels, id)));
            const anomalies = found.flatMap((a) => (a ? [{ anomalyId: a.anomalyId, agencyCode: a.agencyCode, investigationId: a.investigationId }] : []));
            return { ...command, anomalies };
          },
        },
        envelope,
      );
    }
    if (command.type === 'ConcludeInvestigation') {
      const { jointAuditId: _chosenHere, ...request } = command;
      // The joint audit's id is random (COMMON.md): chosen once here; a retried command replays the first result.
      return this.processor.execute({ streamId, decider: investigationDecider, request, command: () => ({ ...command, jointAuditId: randomUUID(), jointAuditReportDays: this.config.deadlines.jointAuditReportDays }) }, envelope);
    }
    return this.processor.execute({ streamId, decider: investigationDecider, request: command }, envelope);
  }

  private async holderOf(accountId: string): Promise<string> {
    const account = await this.states.account(accountId);
    if (account.status === 'NONE') throw new NotFoundError('account', accountId);
    return account.personId;
  }
}
