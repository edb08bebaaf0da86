import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Principal } from '@labgate/core';

/**
 * Rate limits per caller, not per address: agencies sit behind shared proxies, and a token is
 * who is asking. Runs after the auth guard; unauthenticated requests never get this far.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /** RATE_LIMIT_PER_MINUTE=0: nothing to count, so nothing to look up on any request. */
  private off = false;

  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    this.off = this.throttlers.every((t) => t.limit === 0);
  }

  override canActivate(context: ExecutionContext): Promise<boolean> {
    return this.off ? Promise.resolve(true) : super.canActivate(context);
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const principal = req.principal as Principal | undefined;
    return principal ? `user:${principal.id}` : `ip:${String(req.ip)}`;
  }
}
