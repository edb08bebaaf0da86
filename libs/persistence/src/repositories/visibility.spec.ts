import { pilotVisibilitySql, Viewer } from './visibility';

const member: Viewer = { id: 'u-1', agency: 'EUROPOL', roles: ['reviewer'] };

describe('pilotVisibilitySql', () => {
  it('numbers its placeholders after the parameters already there and appends the viewer', () => {
    const params: unknown[] = ['pilot-id', 20];
    const sql = pilotVisibilitySql('p', member, params);
    expect(params).toEqual(['pilot-id', 20, 'EUROPOL', 'u-1']);
    expect(sql).toBe(
      "(p.sensitivity = 'public' OR p.lead_agency = $3 OR $3 = ANY(p.partner_agencies) OR " +
        "EXISTS (SELECT 1 FROM assignments a WHERE a.pilot_id = p.id AND a.reviewer_id = $4 AND a.status <> 'declined'))",
    );
  });

  it('gives funders the limited pilots too, chairs everything, and keeps each shape apart', () => {
    const funder: Viewer = { id: 'u-2', agency: 'FRONTEX', roles: ['funder'] };
    const asFunder = pilotVisibilitySql('pv', funder, []);
    expect(asFunder).toContain("pv.sensitivity = 'limited'");
    expect(asFunder).toContain('pv.lead_agency = $1');
    const asMember = pilotVisibilitySql('pv', member, []);
    expect(asMember).not.toContain("'limited'");
    // Same shape, other viewer: the same text, the viewer's own values.
    const params: unknown[] = [];
    expect(pilotVisibilitySql('pv', { id: 'u-3', agency: 'EUROJUST', roles: ['lead'] }, params)).toBe(asMember);
    expect(params).toEqual(['EUROJUST', 'u-3']);
    const chairParams: unknown[] = ['x'];
    expect(pilotVisibilitySql('p', { id: 'u-4', agency: 'EUROPOL', roles: ['chair', 'funder'] }, chairParams)).toBe('TRUE');
    expect(chairParams).toEqual(['x']);
  });
});
