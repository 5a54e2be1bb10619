import { Module } from '@nestjs/common';
import { ObligationsController } from './obligations.controller';
import { PersonalDataReadLog } from './personal-data-reads.service';
import { RosterController } from './roster.controller';
import { StreamStateController } from './stream-state.controller';

/** Read models and time travel for auditors and 政風 (要點 十二). */
@Module({
  controllers: [RosterController, ObligationsController, StreamStateController],
  providers: [PersonalDataReadLog],
})
export class ReportingModule {}
