import { Injectable } from '@nestjs/common';
import { PersonalDataReadLog } from '../../reporting/personal-data-reads.service';
import type { ExistingHolderReads } from '../applications/application.handler';

/**
 * Naming a holder on a form answers with the id of the account that person already has, if any:
 * such an answer confirms the person is known to the ledger, so it is recorded like any other
 * personal-data read (who, which account, why) in the pdaccess stream.
 */
@Injectable()
export class ExistingHolderReadLog implements ExistingHolderReads {
  constructor(private readonly reads: PersonalDataReadLog) {}

  confirmed(input: { actor: string; agencyCode: string; accountId: string; applicationId: string }): Promise<void> {
    return this.reads.record({
      reader: input.actor,
      roles: [],
      purpose: `form ${input.applicationId} names a holder already known to the ledger`,
      route: '/applications',
      agencyCode: input.agencyCode,
      accountIds: [input.accountId],
      fields: ['nationalId'],
    });
  }
}
