import { alternatingOrder, combineRounds, type Measured } from '../bench/rounds';

/** The bench's comparisons in alternating rounds (test/bench/rounds.ts): the order, and the rounds summed per side. */
describe('bench rounds', () => {
  const round = (over: Partial<Measured>): Measured => ({
    responses: 1000,
    ok: 1000,
    non2xx: 0,
    errors: 0,
    seconds: 2,
    rps: 500,
    p50: 1,
    p99: 5,
    max: 9,
    statusCodes: { '200': 1000 },
    cpu: 0.5,
    steal: 0,
    busy: 0.5,
    ...over,
  });

  it('runs every side once per round, forwards then backwards', () => {
    expect(alternatingOrder(3, 4)).toEqual([0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0]);
    expect(alternatingOrder(1, 3)).toEqual([0, 0, 0]);
    // Each side's mean position is the same over an even number of rounds: a steady drift is shared alike.
    const order = alternatingOrder(3, 4);
    const meanPlace = (side: number) => order.flatMap((s, i) => (s === side ? [i] : [])).reduce((a, b) => a + b, 0) / 4;
    expect(new Set([0, 1, 2].map(meanPlace)).size).toBe(1);
  });

  it('refuses a measure without sides or rounds', () => {
    for (const [sides, rounds] of [
      [0, 3],
      [2, 0],
      [1.5, 2],
      [2, Number.NaN],
    ]) {
      expect(() => alternatingOrder(sides!, rounds!)).toThrow('cannot order');
    }
    expect(() => combineRounds([])).toThrow('no rounds');
  });

  it('sums answers and seconds, weights CPU, steal and busy shares by time, and keeps the worst tail', () => {
    const combined = combineRounds([
      round({ ok: 1000, responses: 1002, non2xx: 2, seconds: 2, p50: 1, p99: 4, max: 8, cpu: 0.9, steal: 0, busy: 0.8, statusCodes: { '200': 1000, '503': 2 } }),
      round({ ok: 600, responses: 601, errors: 3, non2xx: 1, seconds: 2, p50: 3, p99: 12, max: 30, cpu: 0.5, steal: 0.1, busy: 0.6, statusCodes: { '200': 600, '404': 1 } }),
      round({ ok: 400, responses: 400, seconds: 1, p50: 2, p99: 6, max: 7, cpu: 0.2, steal: 0.05, busy: 0.3, statusCodes: { '200': 400 } }),
    ]);
    expect(combined).toEqual({
      responses: 2003,
      ok: 2000,
      non2xx: 3,
      errors: 3,
      seconds: 5,
      rps: 400,
      p50: 2,
      p99: 12,
      max: 30,
      statusCodes: { '200': 2000, '503': 2, '404': 1 },
      cpu: (0.9 * 2 + 0.5 * 2 + 0.2 * 1) / 5,
      steal: (0.1 * 2 + 0.05 * 1) / 5,
      busy: (0.8 * 2 + 0.6 * 2 + 0.3 * 1) / 5,
    });
  });

  it("takes the mean of the two middle rounds' p50 when the rounds are even", () => {
    expect(combineRounds([round({ p50: 4 }), round({ p50: 1 }), round({ p50: 2 }), round({ p50: 10 })]).p50).toBe(3);
  });
});
