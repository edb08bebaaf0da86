/**
 * V8 limits for the API process. Its live data is small (requests, a bounded token cache), but
 * V8 lets an idle-sized heap grow with every burst of load and keeps the memory: under the
 * benchmark the resident set went from ~155 MB to 250–300 MB without these, and stayed near
 * 150 MB with them at the same throughput (DESIGN §7 asks for < 200 MB after the load runs).
 * `npm start`, the compose file and the tests all start the API with them.
 */
export const API_NODE_FLAGS = ['--max-old-space-size=128', '--max-semi-space-size=4'];
