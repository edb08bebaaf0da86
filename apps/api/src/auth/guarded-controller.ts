import { applyDecorators, Controller, UseGuards } from '@nestjs/common';
import { AuthGuard } from './auth.guard';
import { RateLimitGuard } from './rate-limit.guard';

/**
 * A controller behind the API's two guards, in this order: who is calling (AuthGuard: a bearer
 * token unless @Public(), then @Roles), then how often (RateLimitGuard, unless @SkipThrottle()).
 * Every controller but the probes' is declared with it, and a unit test holds them to that.
 *
 * Not global guards (APP_GUARD): Nest runs a global guard on every route, and the probes, which a
 * load balancer asks every few seconds, are public and never throttled, so both guards could only
 * say yes there, for an execution context, two metadata lookups and three promises per probe.
 */
export function GuardedController(path: string): ClassDecorator {
  return applyDecorators(Controller(path), UseGuards(AuthGuard, RateLimitGuard));
}
