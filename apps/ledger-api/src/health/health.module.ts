import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { HealthDetails } from './health-details';

/** Global so that any module can add a section to the detailed view through HealthDetails. */
@Global()
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' })],
  controllers: [HealthController],
  providers: [HealthDetails],
  exports: [HealthDetails],
})
export class HealthModule {}
