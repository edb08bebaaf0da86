import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from '@labgate/domain';
import type { Principal } from '@labgate/core';

export const PUBLIC_ROUTE = 'labgate:public';
export const REQUIRED_ROLES = 'labgate:roles';

/** No bearer token needed (health checks). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The caller needs at least one of these roles. */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);

/** The authenticated caller. */
export const Caller = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<{ principal: Principal }>().principal;
});
