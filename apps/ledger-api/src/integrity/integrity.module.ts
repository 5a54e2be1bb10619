import { Module } from '@nestjs/common';
import { CheckpointService } from './checkpoint.service';
import { IntegrityController } from './integrity.controller';
import { VerifyJobsService } from './verify-jobs.service';

/** Signed checkpoints, witnesses, proofs and verification jobs (issue 9; issue 8 point 8). */
@Module({
  controllers: [IntegrityController],
  providers: [CheckpointService, VerifyJobsService],
  exports: [CheckpointService, VerifyJobsService],
})
export class IntegrityModule {}
