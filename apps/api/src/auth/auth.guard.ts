import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '@labgate/domain';
import { AppError, AuthService, hasRole, Principal } from '@labgate/core';
import { PUBLIC_ROUTE, REQUIRED_ROLES } from './auth.decorators';
import { AuthFailureLimiter, tooManyFailures } from './auth-failures';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

type AuthRequest = FastifyRequest & { principal?: Principal };
type Handler = ReturnType<ExecutionContext['getHandler']>;
type ControllerClass = ReturnType<ExecutionContext['getClass']>;

/** What a route's decorators say about who may call it: fixed once the application is built. */
interface RouteRules {
  public: boolean;
  roles: readonly Role[] | undefined;
}

/** Bearer-token authentication on every route not marked @Public(), then the route's role check. */
@Injectable()
export class AuthGuard implements CanActivate {
  /**
   * Each route's rules, read from its metadata on its first request: four metadata lookups a
   * request otherwise (@Public() and @Roles(), on the handler and on its class). By class, then
   * handler: a method a base controller gives two subclasses may be public in one only.
   */
  private readonly rules = new WeakMap<ControllerClass, WeakMap<Handler, RouteRules>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly failures: AuthFailureLimiter,
  ) {}

  /** Synchronous for public routes and tokens resolved a moment ago: no promise on those paths. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const rules = this.rulesOf(context.getClass(), context.getHandler());
    if (rules.public) return true;

    const request = context.switchToHttp().getRequest<AuthRequest>();
    const match = BEARER.exec(request.headers.authorization ?? '');
    // A token this process resolved a moment ago costs nothing; anything else first passes the
    // address's failure count, so an address that keeps failing is stopped before any lookup.
    const principal = match ? this.auth.cached(match[1]!) : undefined;
    if (principal) return this.admit(request, principal, rules);
    return this.resolve(context, request, match, rules);
  }

  private rulesOf(controller: ControllerClass, handler: Handler): RouteRules {
    let byHandler = this.rules.get(controller);
    if (!byHandler) {
      byHandler = new WeakMap();
      this.rules.set(controller, byHandler);
    }
    let rules = byHandler.get(handler);
    if (!rules) {
      const targets = [handler, controller];
      rules = {
        public: this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, targets) === true,
        roles: this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets),
      };
      byHandler.set(handler, rules);
    }
    return rules;
  }

  /** A token not in memory: the address's failure count first, then the lookup. */
  private async resolve(context: ExecutionContext, request: AuthRequest, match: RegExpExecArray | null, rules: RouteRules): Promise<boolean> {
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
    return this.admit(request, principal, rules);
  }

  /** The route's role check, then the principal on the request. */
  private admit(request: AuthRequest, principal: Principal, { roles }: RouteRules): boolean {
    request.principal = principal;
    if (roles && !hasRole(principal, ...roles)) {
      throw new AppError('AUTH.FORBIDDEN', `This needs one of the roles: ${roles.join(', ')}`);
    }
    return true;
  }
}
