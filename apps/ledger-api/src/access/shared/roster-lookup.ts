import { Inject, Injectable } from '@nestjs/common';
import { ROSTER, RosterEntry } from '@ledger/projections';
import type { ProjectionRunner, ReadModelStore } from '@ledger/read-models';
import { PROJECTION_RUNNERS, READ_MODELS } from '../../infrastructure/event-store.provider';

/** The agency's user accounts active now (使用者清冊): the roster an access review must cover (要點 六(六)). */
export interface RosterLookup {
  activeUserAccountIds(agencyCode: string): Promise<string[]>;
}

export const ROSTER_LOOKUP = Symbol('ROSTER_LOOKUP');

/**
 * Reads the roster read model once it has caught up with everything appended so far, so a review
 * closed right after an account was created still has to cover that account.
 */
@Injectable()
export class ReadModelRosterLookup implements RosterLookup {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(PROJECTION_RUNNERS) private readonly runners: ProjectionRunner[],
  ) {}

  async activeUserAccountIds(agencyCode: string): Promise<string[]> {
    const roster = this.runners.find((r) => r.name === 'roster');
    if (!roster) throw new Error('the roster projection is not running');
    await roster.caughtUp();
    const active = await this.readModels.find<RosterEntry>(ROSTER.accounts, { agencyCode, kind: 'USER', status: 'ACTIVE' });
    return active.map((e) => e.accountId).sort();
  }
}
