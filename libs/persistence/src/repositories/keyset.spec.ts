import { keysetCondition, pageLimit } from './keyset';

describe('pageLimit', () => {
  it('fetches at least one row past the page, in at most ten texts', () => {
    const texts = new Set<string>();
    for (let size = 1; size <= 100; size++) {
      const text = pageLimit(size);
      const count = Number(/^LIMIT (\d+)$/.exec(text)?.[1]);
      expect(count).toBeGreaterThanOrEqual(size + 1);
      expect(count - (size + 1)).toBeLessThan(10);
      texts.add(text);
    }
    expect([...texts]).toEqual(['LIMIT 11', 'LIMIT 21', 'LIMIT 31', 'LIMIT 41', 'LIMIT 51', 'LIMIT 61', 'LIMIT 71', 'LIMIT 81', 'LIMIT 91', 'LIMIT 101']);
  });

  it('writes the default page of 20 as exactly 21 rows', () => {
    expect(pageLimit(20)).toBe('LIMIT 21');
  });

  it('refuses what is not a page size instead of writing it into SQL', () => {
    for (const size of [0, -1, 101, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e21]) expect(() => pageLimit(size)).toThrow(RangeError);
    expect(() => pageLimit('20; DROP TABLE pilots' as unknown as number)).toThrow(RangeError);
  });
});

describe('keysetCondition', () => {
  it('is TRUE on the first page and adds two parameters after it', () => {
    const params: unknown[] = ['x'];
    expect(keysetCondition('p', null, params)).toBe('TRUE');
    expect(keysetCondition('p', { createdAt: '2026-01-01T00:00:00.000Z', id: 'i' }, params)).toBe('(p.created_at, p.id) < ($2::timestamptz, $3::uuid)');
    expect(params).toEqual(['x', '2026-01-01T00:00:00.000Z', 'i']);
  });
});
