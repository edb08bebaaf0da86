import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '@labgate/domain';
import { AppError, AuthService, hasRole, Principal } from '@labgate/core';
import { PUBLIC_ROUTE, REQUIRED_ROLES } from './auth.decorators';
import { AuthFailureLimiter, tooManyFailures } from './auth-failures';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

type AuthRequest = FastifyRequest & { principal?: Principal };
type Targets = [ReturnType<ExecutionContext['getHandler']>, ReturnType<ExecutionContext['getClass']>];

/** Bearer-token authentication on every route not marked @Public(), then the route's role check. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly failures: AuthFailureLimiter,
  ) {}

  /** Synchronous for public routes and tokens resolved a moment ago: no promise on those paths. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const targets: Targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthRequest>();
    const match = BEARER.exec(request.headers.authorization ?? '');
    // A token this process resolved a moment ago costs nothing; anything else first passes the
    // address's failure count, so an address that keeps failing is stopped before any lookup.
    const principal = match ? this.auth.cached(match[1]!) : undefined;
    if (principal) return this.admit(request, principal, targets);
    return this.resolve(context, request, match, targets);
  }

  /** A token not in memory: the address's failure count first, then the lookup. */
  private async resolve(context: ExecutionContext, request: AuthRequest, match: RegExpExecArray | null, targets: Targets): Promise<boolean> {
    const wait = this.failures.retryAfter(request.ip);
    if (wait > 0) {
      void context.switchToHttp().getResponse<FastifyReply>().header('retry-after', String(wait));
      throw tooManyFailures();
    }
    if (!match) {
      await this.failures.recordFailure(request.ip);
      throw new AppError('AUTH.UNAUTHENTICATED', 'Send your API token as "Authorization: Bearer <token>"');
    }
    const principal = await this.auth.resolveToken(match[1]!);
    if (!principal) {
      await this.failures.recordFailure(request.ip);
      throw new AppError('AUTH.UNAUTHENTICATED', 'The API token is unknown or revoked');
    }
    return this.admit(request, principal, targets);
  }

  /** The route's role check, then the principal on the request. */
  private admit(request: AuthRequest, principal: Principal, targets: Targets): boolean {
    request.principal = principal;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    if (roles && !hasRole(principal, ...roles)) {
      throw new AppError('AUTH.FORBIDDEN', `This needs one of the roles: ${roles.join(', ')}`);
    }
    return true;
  }
}
