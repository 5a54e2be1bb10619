import { Module } from '@nestjs/common';
import { AccessScope } from '../access/shared/access-scope';
import { AccessStates } from '../access/shared/access-states';
import { PersonalDataReadLog } from '../reporting/personal-data-reads.service';
import { EthicsCommands } from './ethics.commands';
import { AnomaliesController, CaseAssignmentController, InvestigationsController, RelationsController } from './ethics.controller';
import { EvidenceService } from './evidence.service';

/** 政風 (要點 八、十二(二)) over HTTP: case assignments, relations lists, anomalies and investigations. */
@Module({
  controllers: [CaseAssignmentController, RelationsController, InvestigationsController, AnomaliesController],
  providers: [AccessStates, AccessScope, PersonalDataReadLog, EthicsCommands, EvidenceService],
})
export class EthicsModule {}
