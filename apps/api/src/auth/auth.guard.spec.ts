import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthService, Principal } from '@labgate/core';
import { AuthGuard } from './auth.guard';
import type { AuthFailureLimiter } from './auth-failures';
import { Public, Roles } from './auth.decorators';

class Base {
  shared(): void {}
}

/** The same inherited handler, public in one subclass only. */
@Public()
class Open extends Base {}
class Closed extends Base {
  @Roles('chair')
  chairsOnly(): void {}
}

const lead: Principal = { id: 'u1', name: 'Lead', email: 'lead@europol.example', agency: 'EUROPOL', roles: ['lead'] };
const chair: Principal = { ...lead, id: 'u2', roles: ['chair'] };
const TOKENS: Record<string, Principal> = { 'lg_lead': lead, 'lg_chair': chair };

function context(controller: object, handler: () => void, token?: string): { ctx: ExecutionContext; request: { principal?: Principal } } {
  const request: { headers: Record<string, string>; ip: string; principal?: Principal } = { headers: token ? { authorization: `Bearer ${token}` } : {}, ip: '192.0.2.1' };
  const ctx = {
    getClass: () => controller,
    getHandler: () => handler,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({ header: () => undefined }) }),
  } as unknown as ExecutionContext;
  return { ctx, request };
}

function guard(): { guard: AuthGuard; lookups: string[] } {
  const lookups: string[] = [];
  const auth = {
    cached: (token: string) => TOKENS[token],
    resolveToken: (token: string) => {
      lookups.push(token);
      return Promise.resolve(null);
    },
  } as unknown as AuthService;
  const failures = { retryAfter: () => 0, recordFailure: () => Promise.resolve() } as unknown as AuthFailureLimiter;
  return { guard: new AuthGuard(new Reflector(), auth, failures), lookups };
}

describe('AuthGuard', () => {
  it('reads each route’s rules by its class and handler, once, and applies them on every request', async () => {
    const { guard: g, lookups } = guard();
    for (let i = 0; i < 3; i++) {
      // Public through its class: no token needed, none looked up.
      expect(g.canActivate(context(Open, Base.prototype.shared).ctx)).toBe(true);
      // The same handler under a class that is not public needs a token.
      await expect(g.canActivate(context(Closed, Base.prototype.shared).ctx)).rejects.toMatchObject({ code: 'AUTH.UNAUTHENTICATED' });
      const admitted = context(Closed, Base.prototype.shared, 'lg_lead');
      expect(g.canActivate(admitted.ctx)).toBe(true);
      expect(admitted.request.principal).toBe(lead);
      // @Roles on the handler: a lead is refused, a chair admitted.
      expect(() => g.canActivate(context(Closed, Closed.prototype.chairsOnly, 'lg_lead').ctx)).toThrow(expect.objectContaining({ code: 'AUTH.FORBIDDEN' }));
      expect(g.canActivate(context(Closed, Closed.prototype.chairsOnly, 'lg_chair').ctx)).toBe(true);
      await expect(g.canActivate(context(Closed, Closed.prototype.chairsOnly, 'lg_unknown').ctx)).rejects.toMatchObject({ code: 'AUTH.UNAUTHENTICATED' });
    }
    expect(lookups).toEqual(['lg_unknown', 'lg_unknown', 'lg_unknown']);
  });
});
