import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Principal } from '@labgate/core';

/**
 * Rate limits per caller, not per address: agencies sit behind shared proxies, and a token is
 * who is asking. Runs after the auth guard; unauthenticated requests never get this far.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const principal = req.principal as Principal | undefined;
    return principal ? `user:${principal.id}` : `ip:${String(req.ip)}`;
  }
}
