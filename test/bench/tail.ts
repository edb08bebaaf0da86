/**
 * The open-loop tail of `GET /v1/pilots/:id` in isolation: the API (and the worker, unless
 * TAIL_WORKER=0) on a throwaway database, a closed loop to find the maximum rate, then three
 * 10 s open loops at 70 % of it, each printed with p50, p99, max and the generator's own lag.
 * TAIL_NODE_FLAGS adds V8 flags to the API (`--trace-gc` writes its collections to its log).
 *
 *   npm run build && node dist/test/bench/tail.js
 */
import { ApiClient } from './api';
import { closedLoop, openLoop } from './load';
import { readOptions } from './options';
import { createCast, proposePilots, readRequests } from './seed';
import { BenchStack } from './stack';

async function main(): Promise<void> {
  const options = readOptions();
  const stack = BenchStack.create(options);
  try {
    await stack.migrate();
    const app = await stack.startApi({}, (process.env.TAIL_NODE_FLAGS ?? '').split(' ').filter(Boolean));
    if (process.env.TAIL_WORKER !== '0') stack.startWorker();
    const api = new ApiClient(app.url, stack.adminToken);
    const cast = await createCast(api);
    const pilots = await proposePilots(api, cast, 200);
    const requests = readRequests(cast, `/v1/pilots/${pilots[100]!.id}`);
    await closedLoop({ url: app.url, connections: options.connections, requests, seconds: 3 });
    const max = await closedLoop({ url: app.url, connections: options.connections, requests, seconds: 5 });
    console.log(`closed loop: ${Math.round(max.rps)} req/s`);
    const rate = Math.round(max.rps * options.openLoopShare);
    for (let i = 0; i < 3; i++) {
      const o = await openLoop({ url: app.url, requests, rate, seconds: 10, connections: options.connections });
      const ms = (x: number) => `${x.toFixed(1)} ms`;
      console.log(`open loop at ${rate} req/s: p50 ${ms(o.p50)}, p99 ${ms(o.p99)}, max ${ms(o.max)}, generator lag p99 ${ms(o.lagP99)}, failures ${o.non2xx + o.errors}`);
    }
  } finally {
    await stack.dispose();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
