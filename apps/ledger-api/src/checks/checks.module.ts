import { Module } from '@nestjs/common';
import { AccessScope } from '../access/shared/access-scope';
import { AccessStates } from '../access/shared/access-states';
import { AuditsController } from './audits.controller';
import { ChecksController } from './checks.controller';
import { ChecksScope } from './checks-scope';
import { ChecksService } from './checks.service';
import { MONTHLY_POPULATION } from './monthly-population';
import { QueryLogPopulation } from './query-log-population';

/** Checks and audits (要點 十(一)、十二(一)–(四)) over HTTP. */
@Module({
  controllers: [ChecksController, AuditsController],
  providers: [AccessStates, AccessScope, ChecksScope, ChecksService, { provide: MONTHLY_POPULATION, useClass: QueryLogPopulation }],
})
export class ChecksModule {}
