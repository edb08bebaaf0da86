/**
 * The probes' route templates. A load balancer or kubelet asks them every few seconds and
 * nothing happens: they are neither logged nor counted in the request-duration histogram, where
 * their thousands of sub-millisecond answers a day would only hide the API's own latencies.
 */
export const PROBE_ROUTES: ReadonlySet<string> = new Set(['/health/live', '/health/ready']);
