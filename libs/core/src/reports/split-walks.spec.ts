import type { PercentileWanted } from '@labgate/persistence';
import { PARALLEL_WALK_ENTRIES, splitWalks } from './reports.service';

const walk = (key: string, count: number, p = 0.5): PercentileWanted => ({ metric: 'stage.days', key, p, count });

describe('splitWalks', () => {
  it('keeps short walks on one connection', () => {
    const walks = [walk('proposal', 100), walk('funded', 2 * PARALLEL_WALK_ENTRIES - 4, 0.5)];
    expect(splitWalks(walks.slice(0, 1))).toEqual([[], walks.slice(0, 1)]);
    // (count − 1) · 0.5 + 1 entries each: just under the threshold together.
    expect(splitWalks([walk('a', PARALLEL_WALK_ENTRIES - 2), walk('b', 1)])[0]).toEqual([]);
  });

  it('balances long walks between the two, each percentile once, a p90 counted from the top', () => {
    const walks = [
      { metric: 'turnaround' as const, key: '', p: 0.5, count: 165_964 },
      { metric: 'turnaround' as const, key: '', p: 0.9, count: 165_964 },
      walk('proposal', 73_630),
      walk('funded', 38_970),
      walk('testing', 15_041),
      { metric: 'kill' as const, key: null, p: 0.5, count: 22_628 },
    ];
    const [apart, here] = splitWalks(walks);
    expect([...apart, ...here]).toHaveLength(walks.length);
    expect(new Set([...apart, ...here])).toEqual(new Set(walks));
    const length = (ws: PercentileWanted[]) => ws.reduce((sum, w) => sum + Math.ceil((w.count - 1) * Math.min(w.p, 1 - w.p)) + 1, 0);
    // Longest first, each to the shorter side: the median turnaround (82,983 entries) and the
    // testing stage's (7,521) against the other four (84,215), where the whole is 174,719.
    expect(apart).toEqual([walks[0], walks[4]]);
    expect([length(apart), length(here)]).toEqual([90_504, 84_215]);
  });
});
