import { DATA_PROTECTION_SEAT, FUNDING_SEAT, seatsFor } from './seats';

describe('seatsFor', () => {
  it('names the special seats', () => {
    expect(DATA_PROTECTION_SEAT).toBe('data-protection');
    expect(FUNDING_SEAT).toBe('funding');
  });

  it.each([
    ['fund', false, ['EUROPOL', 'FRONTEX', 'funding']],
    ['fund', true, ['EUROPOL', 'FRONTEX', 'data-protection', 'funding']],
    ['test', false, ['EUROPOL', 'FRONTEX']],
    ['test', true, ['EUROPOL', 'FRONTEX', 'data-protection']],
    ['accelerate', false, ['EUROPOL', 'FRONTEX', 'funding']],
    ['accelerate', true, ['EUROPOL', 'FRONTEX', 'data-protection', 'funding']],
  ] as const)('%s gate, personal data %s → %j', (gate, personalData, expected) => {
    expect(seatsFor({ leadAgency: 'EUROPOL', partnerAgencies: ['FRONTEX'], personalData, gate })).toEqual(expected);
  });

  it('gives a lone lead agency a single agency seat', () => {
    expect(seatsFor({ leadAgency: 'CEPOL', partnerAgencies: [], personalData: false, gate: 'test' })).toEqual(['CEPOL']);
  });

  it('puts the lead first, keeps the partners’ order and drops duplicates', () => {
    const seats = seatsFor({
      leadAgency: 'EUROJUST',
      partnerAgencies: ['EULISA', 'EUROJUST', 'FRONTEX', 'EULISA', 'CEPOL'],
      personalData: true,
      gate: 'fund',
    });
    expect(seats).toEqual(['EUROJUST', 'EULISA', 'FRONTEX', 'CEPOL', 'data-protection', 'funding']);
    expect(new Set(seats).size).toBe(seats.length);
  });

  it('does not modify the partner list it is given', () => {
    const partnerAgencies = ['FRONTEX', 'FRONTEX'];
    seatsFor({ leadAgency: 'EUROPOL', partnerAgencies, personalData: false, gate: 'test' });
    expect(partnerAgencies).toEqual(['FRONTEX', 'FRONTEX']);
  });
});
