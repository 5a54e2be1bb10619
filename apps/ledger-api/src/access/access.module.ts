import { Module } from '@nestjs/common';
import { AccessReviewController } from './access-reviews/access-review.controller';
import { AccessReviewCommandHandler } from './access-reviews/access-review.handler';
import { AccountController } from './accounts/account.controller';
import { AccountCommandHandler, CreateAccountHandler } from './accounts/account.handler';
import { AgencyAccessController } from './agencies/agency.controller';
import { AgencyCommandHandler } from './agencies/agency.handler';
import { ApplicationController } from './applications/application.controller';
import { ApplicationCommandHandler, EXISTING_HOLDER_READS } from './applications/application.handler';
import { QueryItemController } from './query-items/query-item.controller';
import { QueryItemCommandHandler } from './query-items/query-item.handler';
import { AccessScope } from './shared/access-scope';
import { AccessStates } from './shared/access-states';
import { ExistingHolderReadLog } from './shared/existing-holder-reads';
import { PersonalDataReadLog } from '../reporting/personal-data-reads.service';
import { ReadModelRosterLookup, ROSTER_LOOKUP } from './shared/roster-lookup';

/** Accounts, permissions and approvals (要點 二–七, 十) over HTTP. */
@Module({
  controllers: [AgencyAccessController, QueryItemController, ApplicationController, AccountController, AccessReviewController],
  providers: [
    AccessStates,
    AccessScope,
    PersonalDataReadLog,
    { provide: EXISTING_HOLDER_READS, useClass: ExistingHolderReadLog },
    // Replaced by the roster read model once it exists; handlers depend only on the token.
    { provide: ROSTER_LOOKUP, useClass: ReadModelRosterLookup },
    AgencyCommandHandler,
    QueryItemCommandHandler,
    ApplicationCommandHandler,
    CreateAccountHandler,
    AccountCommandHandler,
    AccessReviewCommandHandler,
  ],
})
export class AccessModule {}
