import { Module } from '@nestjs/common';
import { IntegrityModule } from '../integrity/integrity.module';
import { PackageJobsService } from './package-jobs.service';
import { PackagesController } from './packages.controller';

/** The BLI inspection package (issue 13, 要點 十二(五)). */
@Module({
  imports: [IntegrityModule],
  controllers: [PackagesController],
  providers: [PackageJobsService],
})
export class PackagesModule {}
