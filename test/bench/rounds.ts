import type { LoadResult } from './load';

/**
 * A load result, the CPU its server used meanwhile (a share of one core), the host's steal share
 * and the share of the machine's CPU time (all cores) its processes kept busy.
 */
export type Measured = LoadResult & { cpu: number; steal: number; busy: number };

/**
 * Which side runs in each of `rounds` rounds over `sides` servers: forwards, then backwards, and so
 * on (A B C, C B A, A B C …). Over the whole measure a drift of the host (a slower minute, a
 * neighbour's burst) weighs on every side alike, instead of on whichever side ran in it.
 */
export function alternatingOrder(sides: number, rounds: number): number[] {
  if (!Number.isInteger(sides) || sides < 1 || !Number.isInteger(rounds) || rounds < 1) throw new Error(`cannot order ${rounds} rounds over ${sides} sides`);
  const order: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < sides; i++) order.push(round % 2 === 0 ? i : sides - 1 - i);
  }
  return order;
}

/**
 * One side's rounds as one measure: answers, failures and seconds summed, so its rate is its 2xx
 * answers over its own running time; its server's CPU, the host's steal and busy shares weighted by each
 * round's length; the median round's p50, and the highest p99 and maximum of any round.
 */
export function combineRounds(rounds: readonly Measured[]): Measured {
  if (rounds.length === 0) throw new Error('no rounds to combine');
  const sum = (f: (r: Measured) => number) => rounds.reduce((total, r) => total + f(r), 0);
  const seconds = sum((r) => r.seconds);
  const ok = sum((r) => r.ok);
  const statusCodes: Record<string, number> = {};
  for (const r of rounds) for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  const p50s = rounds.map((r) => r.p50).sort((a, b) => a - b);
  const middle = Math.floor(p50s.length / 2);
  return {
    responses: sum((r) => r.responses),
    ok,
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    seconds,
    rps: ok / seconds,
    p50: p50s.length % 2 === 1 ? p50s[middle]! : (p50s[middle - 1]! + p50s[middle]!) / 2,
    p99: Math.max(...rounds.map((r) => r.p99)),
    max: Math.max(...rounds.map((r) => r.max)),
    statusCodes,
    cpu: sum((r) => r.cpu * r.seconds) / seconds,
    steal: sum((r) => r.steal * r.seconds) / seconds,
    busy: sum((r) => r.busy * r.seconds) / seconds,
  };
}
