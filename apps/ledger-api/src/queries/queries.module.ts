import { Module } from '@nestjs/common';
import { AccessScope } from '../access/shared/access-scope';
import { AccessStates } from '../access/shared/access-states';
import { QueryRegistrationController } from './query-registration.controller';
import { QueryRegistrationService } from './query-registration.handler';
import { QueryRegistrationReadController } from './query-registration.read';

/** Queries and their logs (要點 八、九、十一) over HTTP. */
@Module({
  controllers: [QueryRegistrationReadController, QueryRegistrationController],
  providers: [AccessStates, AccessScope, QueryRegistrationService],
})
export class QueriesModule {}
