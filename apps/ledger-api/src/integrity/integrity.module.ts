import { Module } from '@nestjs/common';
import { HealthDetails } from '../health/health-details';
import { CheckpointService } from './checkpoint.service';
import { IntegrityController } from './integrity.controller';
import { VerifyJobsService } from './verify-jobs.service';

/** Signed checkpoints, witnesses, proofs and verification jobs (issue 9; issue 8 point 8). */
@Module({
  controllers: [IntegrityController],
  providers: [CheckpointService, VerifyJobsService],
  exports: [CheckpointService, VerifyJobsService],
})
export class IntegrityModule {
  constructor(health: HealthDetails, checkpoints: CheckpointService) {
    // A witness refusal or a held-back checkpoint is what an operator must see first.
    health.add('checkpoints', () => {
      const { enabled, blocked, latest, witnesses } = checkpoints.status;
      return { enabled, blocked, latest: latest && { treeSize: latest.treeSize, position: latest.position, recordedAt: latest.recordedAt, reason: latest.reason }, witnesses };
    });
  }
}
