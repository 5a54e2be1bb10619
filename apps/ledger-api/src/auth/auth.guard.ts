import { CanActivate, ExecutionContext, ForbiddenException, Injectable, SetMetadata, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiKeyService, presentedKey } from './api-key.service';
import type { Principal, Role } from './principal';
import { SecurityLogService } from './security-log.service';

export const PUBLIC = 'ledger:public';
export const ROLES_KEY = 'ledger:roles';
/** Reachable without a key (health, docs). */
export const Public = () => SetMetadata(PUBLIC, true);
/** Roles allowed on a route; `admin` is always allowed. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export type AuthedRequest = Request & { principal: Principal };

/** The peer address (Express's req.ip, which honours `trust proxy` when the deployment sets it). */
export function sourceOf(req: Request): string {
  return req.ip ?? req.socket?.remoteAddress ?? 'unknown';
}

export function routeOf(req: Request): string {
  // The route pattern, not the URL: URLs may carry ids a refused caller should not get echoed.
  return (req.route?.path as string | undefined) ?? req.path;
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyService,
    private readonly security: SecurityLogService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const { raw: header, hash } = presentedKey(req);
    const principal = await this.keys.authenticate(hash);
    if (!principal) {
      const reason = header ? 'BAD_KEY' : 'NO_KEY';
      await this.security.refusedAnonymous({ source: sourceOf(req), method: req.method, route: routeOf(req), reason });
      throw new UnauthorizedException({ code: reason === 'NO_KEY' ? 'API_KEY_MISSING' : 'API_KEY_INVALID', message: 'a valid X-API-Key header is required' });
    }
    req.principal = principal;
    const allowed = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets) ?? [];
    if (!principal.roles.includes('admin') && !principal.roles.some((r) => allowed.includes(r))) {
      await this.security.refused({ actor: principal.id, method: req.method, route: routeOf(req), reason: 'ROLE' });
      throw new ForbiddenException({ code: 'ROLE_NOT_ALLOWED', message: `this route needs one of the roles: ${['admin', ...allowed].join(', ')}` });
    }
    return true;
  }
}

/** Integrators act only for their listed agencies; admins for all. */
export async function assertAgencyScope(security: SecurityLogService, req: AuthedRequest, agencyCode: string): Promise<void> {
  const p = req.principal;
  if (p.roles.includes('admin') || p.agencies.includes(agencyCode)) return;
  await security.refused({ actor: p.id, method: req.method, route: routeOf(req), reason: 'AGENCY_SCOPE', detail: agencyCode });
  throw new ForbiddenException({ code: 'AGENCY_OUT_OF_SCOPE', message: `principal ${p.id} may not send commands for agency ${agencyCode}` });
}
