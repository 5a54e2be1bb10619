import { ForbiddenException, Injectable } from '@nestjs/common';
import { AuthedRequest, routeOf } from '../auth/auth.guard';
import { SecurityLogService } from '../auth/security-log.service';

/**
 * 要點 十二: a check or an audit is made by the body itself — the requester's checker, the audited
 * body, the body in breach. Only an integrator whose key lists that agency acts for it; the
 * operator's admin key acts for no body, so it is refused here (403, recorded) like any other.
 */
@Injectable()
export class ChecksScope {
  constructor(private readonly security: SecurityLogService) {}

  async assertActsForAgency(req: AuthedRequest, agencyCode: string, act: string): Promise<void> {
    const p = req.principal;
    if (p.roles.includes('integrator') && p.agencies.includes(agencyCode)) return;
    await this.security.refused({ actor: p.id, method: req.method, route: routeOf(req), reason: 'SIGNER', detail: `${agencyCode}:${act}` });
    throw new ForbiddenException({ code: 'SIGNER_NOT_ALLOWED', rule: '要點 十二', message: `only an integrator acting for agency ${agencyCode} may ${act}` });
  }
}
