import { Module } from '@nestjs/common';
import { AccessScope } from '../access/shared/access-scope';
import { AccessStates } from '../access/shared/access-states';
import { InspectionController, WebIRServiceController } from './inspection.controller';
import { InspectionCommandHandler, WebIRServiceCommandHandler } from './inspection.handler';
import { InspectionReadController } from './inspection.read';

/** BLI inspections, requests, suspension and termination of service (要點 十二(五)(六)(七)) over HTTP. */
@Module({
  // The list first: a fixed path before `:inspectionId`.
  controllers: [InspectionReadController, InspectionController, WebIRServiceController],
  providers: [AccessStates, AccessScope, InspectionCommandHandler, WebIRServiceCommandHandler],
})
export class InspectionsModule {}
