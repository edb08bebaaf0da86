import type { Role } from '@labgate/domain';

/** The authenticated caller, as resolved from a bearer token. */
export interface Principal {
  id: string;
  name: string;
  email: string;
  agency: string;
  roles: Role[];
}

export function hasRole(principal: Principal, ...roles: Role[]): boolean {
  return roles.some((r) => principal.roles.includes(r));
}
