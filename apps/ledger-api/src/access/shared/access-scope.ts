import { Injectable } from '@nestjs/common';
import type { AgencyRole } from '@ledger/domain';
import { assertAgencyScope, AuthedRequest } from '../../auth/auth.guard';
import { SecurityLogService } from '../../auth/security-log.service';
import { AccessStates } from './access-states';

/** 要點 三(一)3、三(二)3: the central admin and the competent authority audit every requester agency. */
const OVERSEERS: readonly AgencyRole[] = ['CENTRAL_ADMIN', 'COMPETENT_AUTHORITY'];
const READERS = ['admin', 'auditor', 'ethics'];

/**
 * Who may act on a stream. An integrator acts for the agency the stream belongs to; a step the
 * 要點 gives to the competent authority or the central admin (`signer`) may also come from an
 * integrator of a registered agency of that role. Every refusal goes through assertAgencyScope,
 * so it is recorded in the security stream.
 */
@Injectable()
export class AccessScope {
  constructor(
    private readonly security: SecurityLogService,
    private readonly states: AccessStates,
  ) {}

  async assertMaySend(req: AuthedRequest, agencyCode: string, signer?: AgencyRole): Promise<void> {
    const { principal } = req;
    if (principal.roles.includes('admin') || principal.agencies.includes(agencyCode)) return;
    if (signer && (await this.actsForRole(req, [signer]))) return;
    await assertAgencyScope(this.security, req, agencyCode);
  }

  async assertMayRead(req: AuthedRequest, agencyCode: string): Promise<void> {
    if (req.principal.roles.some((role) => READERS.includes(role))) return;
    if (req.principal.agencies.includes(agencyCode) || (await this.actsForRole(req, OVERSEERS))) return;
    await assertAgencyScope(this.security, req, agencyCode);
  }

  private async actsForRole(req: AuthedRequest, roles: readonly AgencyRole[]): Promise<boolean> {
    for (const code of req.principal.agencies) {
      const agency = await this.states.agency(code);
      if (agency.registered && agency.role && roles.includes(agency.role)) return true;
    }
    return false;
  }
}
