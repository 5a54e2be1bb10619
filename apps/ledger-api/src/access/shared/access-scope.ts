import { ForbiddenException, Injectable } from '@nestjs/common';
import type { AgencyRole } from '@ledger/domain';
import { assertAgencyScope, AuthedRequest, routeOf } from '../../auth/auth.guard';
import { SecurityLogService } from '../../auth/security-log.service';
import { AccessStates } from './access-states';

/** The bodies the 要點 names for acts of oversight (要點 三(一)、三(二)). */
export type OverseeingBody = Extract<AgencyRole, 'CENTRAL_ADMIN' | 'COMPETENT_AUTHORITY'>;
/** 要點 三(一)3、三(二)3: the central admin and the competent authority audit every requester agency. */
const OVERSEERS: readonly AgencyRole[] = ['CENTRAL_ADMIN', 'COMPETENT_AUTHORITY'];
const READERS = ['admin', 'auditor', 'ethics'];

/**
 * Who may act on a stream. An integrator acts for the agencies its key lists. A step or act the
 * 要點 gives to the competent authority or the central admin is accepted only from an integrator
 * of a registered agency of that role — never from the requester's own integrator, and never
 * from the operator's admin key, which acts for no body. Roles of agencies are themselves granted
 * only by an admin (see register-agency.ts), so an integrator cannot promote itself into a signer.
 * Every refusal is recorded in the security stream.
 */
@Injectable()
export class AccessScope {
  constructor(
    private readonly security: SecurityLogService,
    private readonly states: AccessStates,
  ) {}

  /** The agency's own integrator (or the operator's admin key). */
  async assertMaySend(req: AuthedRequest, agencyCode: string): Promise<void> {
    await assertAgencyScope(this.security, req, agencyCode);
  }

  /**
   * Acts the agency's own integrator does, which the central admin may also do for any agency
   * (e.g. a post change of an administrator account). Returns nothing: the actor is recorded anyway.
   */
  async assertMaySendOrActFor(req: AuthedRequest, agencyCode: string, body: OverseeingBody): Promise<void> {
    const { principal } = req;
    if (principal.roles.includes('admin') || principal.agencies.includes(agencyCode)) return;
    if (await this.agencyActingAs(req, [body])) return;
    await assertAgencyScope(this.security, req, agencyCode);
  }

  /**
   * An act reserved to a body (要點 三): returns the code of the agency the caller signs for, so
   * the event records which body signed. Refused (403 SIGNER_NOT_ALLOWED, recorded) otherwise.
   */
  async assertActsFor(req: AuthedRequest, body: OverseeingBody, detail: string): Promise<string> {
    const agencyCode = await this.agencyActingAs(req, [body]);
    if (agencyCode) return agencyCode;
    const { principal } = req;
    await this.security.refused({ actor: principal.id, method: req.method, route: routeOf(req), reason: 'SIGNER', detail: `${body}:${detail}` });
    throw new ForbiddenException({
      code: 'SIGNER_NOT_ALLOWED',
      rule: '要點 三',
      message: `only an integrator acting for the ${body === 'CENTRAL_ADMIN' ? 'central admin (中央管理機關)' : 'competent authority (目的事業主管機關)'} may do this`,
    });
  }

  async assertMayRead(req: AuthedRequest, agencyCode: string): Promise<void> {
    if (req.principal.roles.some((role) => READERS.includes(role))) return;
    if (req.principal.agencies.includes(agencyCode) || (await this.agencyActingAs(req, OVERSEERS))) return;
    await assertAgencyScope(this.security, req, agencyCode);
  }

  // records: obtained data, incidents, inspections
  /**
   * An act the 要點 gives to the agency itself — keeping and deleting the data it obtained (三(三)3、
   * 十一), its own security incidents (十二(十)), answering BLI (十二(五)): accepted only from an
   * integrator whose key lists that agency. The operator's admin key acts for no body. Refused with
   * 403 SIGNER_NOT_ALLOWED, recorded in the security stream.
   */
  async assertActsAsAgency(req: AuthedRequest, agencyCode: string, rule: string): Promise<void> {
    const { principal } = req;
    if (principal.roles.includes('integrator') && principal.agencies.includes(agencyCode)) return;
    await this.security.refused({ actor: principal.id, method: req.method, route: routeOf(req), reason: 'SIGNER', detail: `AGENCY:${agencyCode}` });
    throw new ForbiddenException({ code: 'SIGNER_NOT_ALLOWED', rule, message: `only an integrator acting for agency ${agencyCode} may do this` });
  }

  private async agencyActingAs(req: AuthedRequest, roles: readonly AgencyRole[]): Promise<string | undefined> {
    if (!req.principal.roles.includes('integrator')) return undefined;
    for (const code of req.principal.agencies) {
      const agency = await this.states.agency(code);
      if (agency.registered && agency.role && roles.includes(agency.role)) return code;
    }
    return undefined;
  }
}
