/**
 * V8 limits for the API process. Its live data is small (requests, a bounded token cache), but
 * V8 lets an idle-sized heap grow with every burst of load and keeps the memory: under the
 * benchmark the resident set went from ~155 MB to 250–300 MB without these, and stayed near
 * 150 MB with them at the same throughput (DESIGN §7 asks for < 200 MB after the load runs).
 * `npm start`, the compose file and the tests all start the API with them.
 *
 * The young generation's semi-spaces are 8 MB: with 4 MB, garbage collection took 9 % of the
 * wall time under reads by id and 17 % under list pages (scavenges every ~20 ms promoted the
 * data of requests still in flight); with 8 MB, 5.5 % and 13 %, for about 5 MB more resident
 * memory, which loading ECharts and the OpenTelemetry SDK only when used had freed.
 *
 * Allocation-site pretenuring is off. V8 allocates straight into the old generation the objects
 * of any allocation site whose objects mostly survived a scavenge. Under load it made that
 * decision for sites on the request path (the rows node-postgres builds among them), and from
 * then on every request's rows went to the old generation, where they died. Worse, while dead
 * there they kept their young strings and dates alive through the next scavenges. The old
 * generation filled with the dead: a mark-compact every ~2.4 s under reads by id. With
 * pretenuring off, a read promotes 0.05 – 0.10 kB instead of 2.5, a list page 9 – 13 kB instead
 * of 52, and mark-compacts fall from 1.8 to 0 – 0.4 per 10,000 reads (`cost.js`, BENCHMARKS.md).
 */
export const API_NODE_FLAGS = ['--max-old-space-size=128', '--max-semi-space-size=8', '--no-allocation-site-pretenuring'];
