import type { Role } from '@labgate/domain';
import { textFor } from './texts';

/** Who is asking: enough of the caller to apply the visibility rule. */
export interface Viewer {
  id: string;
  agency: string;
  roles: readonly Role[];
}

/**
 * The SQL form of DESIGN §5 "Visibility" (the domain's canSeePilot is the same rule for one row;
 * the end-to-end matrix test holds the two together). Appends its parameters to `params`.
 *
 * public: everyone · limited: involved agencies, assigned reviewers, chairs, funders ·
 * restricted: involved agencies, assigned reviewers, chairs.
 */
export function pilotVisibilitySql(alias: string, viewer: Viewer, params: unknown[]): string {
  if (seesEverything(viewer)) return 'TRUE';
  params.push(viewer.agency, viewer.id);
  const funder = isFunder(viewer);
  // The text depends only on the alias, the parameters' places and the funder role: built once
  // per shape, so a request does not rebuild (and the prepared-statement lookup does not hash) a
  // fresh string.
  return textFor(texts, `${alias} ${params.length} ${funder}`, () => visibilityClauses(alias, `$${params.length - 1}`, `$${params.length}`, funder));
}

/** Chairs see every pilot: for them the rule is TRUE. */
export const seesEverything = (viewer: Viewer): boolean => viewer.roles.includes('chair');

/** Funders see the limited pilots too. */
export const isFunder = (viewer: Viewer): boolean => viewer.roles.includes('funder');

/**
 * The rule for a viewer who is not a chair, with the viewer's agency and user id given as SQL
 * expressions: parameters for one viewer (pilotVisibilitySql), or a parameter for the agency and
 * a column for the user when one statement reads for several users of one agency
 * (PilotsRepository.findVisible).
 */
export function visibilityClauses(alias: string, agency: string, user: string, funder: boolean): string {
  const clauses = [
    `${alias}.sensitivity = 'public'`,
    `${alias}.lead_agency = ${agency}`,
    `${agency} = ANY(${alias}.partner_agencies)`,
    `EXISTS (SELECT 1 FROM assignments a WHERE a.pilot_id = ${alias}.id AND a.reviewer_id = ${user} AND a.status <> 'declined')`,
  ];
  if (funder) clauses.push(`${alias}.sensitivity = 'limited'`);
  return `(${clauses.join(' OR ')})`;
}

/** Texts by alias, parameter places and funder role: a handful in a process. */
const texts = new Map<string, string>();
