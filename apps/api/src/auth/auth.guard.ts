import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Role } from '@labgate/domain';
import { AppError, AuthService, hasRole, Principal } from '@labgate/core';
import { PUBLIC_ROUTE, REQUIRED_ROLES } from './auth.decorators';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Bearer-token authentication on every route not marked @Public(), then the route's role check. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match) throw new AppError('AUTH.UNAUTHENTICATED', 'Send your API token as "Authorization: Bearer <token>"');
    const principal = await this.auth.resolveToken(match[1]!);
    if (!principal) throw new AppError('AUTH.UNAUTHENTICATED', 'The API token is unknown or revoked');
    request.principal = principal;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    if (roles && !hasRole(principal, ...roles)) {
      throw new AppError('AUTH.FORBIDDEN', `This needs one of the roles: ${roles.join(', ')}`);
    }
    return true;
  }
}
