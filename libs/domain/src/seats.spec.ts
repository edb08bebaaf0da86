import { DATA_PROTECTION_SEAT, FUNDING_SEAT, seatsFor } from './seats';

describe('seatsFor', () => {
  it('names the special seats', () => {
    expect(DATA_PROTECTION_SEAT).toBe('data-protection');
    expect(FUNDING_SEAT).toBe('funding');
  });

  it.each([
    [1, false, ['EUROPOL', 'FRONTEX', 'funding']],
    [2_000_000, true, ['EUROPOL', 'FRONTEX', 'data-protection', 'funding']],
    [0, false, ['EUROPOL', 'FRONTEX']],
    [0, true, ['EUROPOL', 'FRONTEX', 'data-protection']],
  ] as const)('a tranche of %d cents, personal data %s → %j (whatever the gate)', (trancheCents, personalData, expected) => {
    expect(seatsFor({ leadAgency: 'EUROPOL', partnerAgencies: ['FRONTEX'], personalData, trancheCents })).toEqual(expected);
  });

  it('gives a lone lead agency a single agency seat', () => {
    expect(seatsFor({ leadAgency: 'CEPOL', partnerAgencies: [], personalData: false, trancheCents: 0 })).toEqual(['CEPOL']);
  });

  it('puts the lead first, keeps the partners’ order and drops duplicates', () => {
    const seats = seatsFor({
      leadAgency: 'EUROJUST',
      partnerAgencies: ['EULISA', 'EUROJUST', 'FRONTEX', 'EULISA', 'CEPOL'],
      personalData: true,
      trancheCents: 500_000,
    });
    expect(seats).toEqual(['EUROJUST', 'EULISA', 'FRONTEX', 'CEPOL', 'data-protection', 'funding']);
    expect(new Set(seats).size).toBe(seats.length);
  });

  it('does not modify the partner list it is given', () => {
    const partnerAgencies = ['FRONTEX', 'FRONTEX'];
    seatsFor({ leadAgency: 'EUROPOL', partnerAgencies, personalData: false, trancheCents: 0 });
    expect(partnerAgencies).toEqual(['FRONTEX', 'FRONTEX']);
  });
});
