import { Module } from '@nestjs/common';
import { AccessScope } from '../access/shared/access-scope';
import { AccessStates } from '../access/shared/access-states';
import { PersonalDataReadLog } from '../reporting/personal-data-reads.service';
import { QueryLogsController } from './query-logs.controller';
import { QueryLogsReadController } from './query-logs.read';
import { QueryLogsService } from './query-logs.service';

/** The WebIR query log (要點 九(二)), its reconciliation with the registrations and its explanations (要點 九(一)). */
@Module({
  controllers: [QueryLogsController, QueryLogsReadController],
  providers: [AccessStates, AccessScope, PersonalDataReadLog, QueryLogsService],
})
export class QueryLogsModule {}
