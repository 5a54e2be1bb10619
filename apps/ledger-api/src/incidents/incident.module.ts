import { Module } from '@nestjs/common';
import { AccessScope } from '../access/shared/access-scope';
import { AccessStates } from '../access/shared/access-states';
import { IncidentController } from './incident.controller';
import { IncidentCommandHandler } from './incident.handler';
import { IncidentReadController } from './incident.read';

/** Security incidents and suspected incidents (要點 十二(十)) over HTTP. */
@Module({
  // The list first: a fixed path before `:incidentId`.
  controllers: [IncidentReadController, IncidentController],
  providers: [AccessStates, AccessScope, IncidentCommandHandler],
})
export class IncidentsModule {}
