import { Module } from '@nestjs/common';
import { ObligationKindsController, ObligationSummaryController } from './obligation-summary.controller';

/** What the console needs beyond the other modules' routes: figures counted on the server (issue 14). */
@Module({ controllers: [ObligationSummaryController, ObligationKindsController] })
export class ConsoleModule {}
