import { ROLES, Role, SENSITIVITIES, Sensitivity, canSeePilot, isInvolvedAgency } from './visibility';

type Agency = 'lead' | 'partner' | 'other';

const PILOT = { leadAgency: 'EUROPOL', partnerAgencies: ['FRONTEX', 'EUROJUST'] };
const AGENCY_CODE: Record<Agency, string> = { lead: 'EUROPOL', partner: 'EUROJUST', other: 'CEPOL' };

/**
 * Expected visibility for a viewer of an uninvolved agency who is not assigned, per
 * sensitivity and role. Users of an involved agency and assigned users see every pilot.
 */
const OUTSIDER_SEES: Record<Sensitivity, Record<Role, boolean>> = {
  public: { lead: true, reviewer: true, dpo: true, chair: true, funder: true, admin: true },
  limited: { lead: false, reviewer: false, dpo: false, chair: true, funder: true, admin: false },
  restricted: { lead: false, reviewer: false, dpo: false, chair: true, funder: false, admin: false },
};

const matrix = SENSITIVITIES.flatMap((sensitivity) =>
  ROLES.flatMap((role) =>
    (['lead', 'partner', 'other'] as const).flatMap((agency) =>
      [false, true].map((assigned) => {
        const expected = agency !== 'other' || assigned || OUTSIDER_SEES[sensitivity][role];
        return [sensitivity, role, agency, assigned, expected] as const;
      }),
    ),
  ),
);

describe('canSeePilot', () => {
  it('covers every sensitivity × role × agency × assignment', () => {
    expect(matrix).toHaveLength(3 * 6 * 3 * 2);
  });

  it.each(matrix)('%s pilot, %s of the %s agency, assigned %s → %s', (sensitivity, role, agency, assigned, expected) => {
    const viewer = { agency: AGENCY_CODE[agency], roles: [role], assignedToPilot: assigned };
    expect(canSeePilot(viewer, { ...PILOT, sensitivity })).toBe(expected);
  });

  it.each([
    ['restricted', ['funder', 'admin'], false],
    ['restricted', ['funder', 'chair'], true],
    ['limited', ['admin', 'funder'], true],
    ['limited', ['admin', 'lead'], false],
    ['limited', [], false],
    ['public', [], true],
  ] as const)('a %s pilot with outsider roles %j → %s', (sensitivity, roles, expected) => {
    const viewer = { agency: 'CEPOL', roles: [...roles], assignedToPilot: false };
    expect(canSeePilot(viewer, { ...PILOT, sensitivity })).toBe(expected);
  });

  it('matches agencies exactly', () => {
    const viewer = { agency: 'europol', roles: ['lead' as const], assignedToPilot: false };
    expect(canSeePilot(viewer, { ...PILOT, sensitivity: 'restricted' })).toBe(false);
  });

  it('fails closed on an unknown sensitivity', () => {
    const viewer = { agency: 'CEPOL', roles: ['funder' as const], assignedToPilot: false };
    expect(canSeePilot(viewer, { ...PILOT, sensitivity: 'secret' as Sensitivity })).toBe(false);
  });

  it('lists the roles of the design', () => {
    expect(ROLES).toEqual(['lead', 'reviewer', 'dpo', 'chair', 'funder', 'admin']);
    expect(SENSITIVITIES).toEqual(['public', 'limited', 'restricted']);
  });
});

describe('isInvolvedAgency', () => {
  it.each([
    ['EUROPOL', true],
    ['FRONTEX', true],
    ['EUROJUST', true],
    ['CEPOL', false],
    ['', false],
  ])('%j → %s', (agency, expected) => {
    expect(isInvolvedAgency(agency, PILOT)).toBe(expected);
  });
});
