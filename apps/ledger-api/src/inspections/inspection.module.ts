import { Module } from '@nestjs/common';
import { AccessScope } from '../access/shared/access-scope';
import { AccessStates } from '../access/shared/access-states';
import { InspectionController, WebIRServiceController } from './inspection.controller';
import { InspectionCommandHandler, WebIRServiceCommandHandler } from './inspection.handler';

/** BLI inspections, requests, suspension and termination of service (要點 十二(五)(六)(七)) over HTTP. */
@Module({
  controllers: [InspectionController, WebIRServiceController],
  providers: [AccessStates, AccessScope, InspectionCommandHandler, WebIRServiceCommandHandler],
})
export class InspectionsModule {}
