import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Where the worker says it is alive: `scripts/worker-health.js` (Docker, Kubernetes) reads it. */
export const HEARTBEAT_FILE = process.env.WORKER_HEARTBEAT_FILE ?? path.join(tmpdir(), 'labgate-worker.alive');
export const HEARTBEAT_INTERVAL_MS = 5_000;

/**
 * The worker serves no HTTP, so its liveness is a file it rewrites every few seconds from its
 * event loop: a wedged or dead worker stops rewriting it. (Redis being away is not a reason to
 * restart it: its queues reconnect on their own.)
 */
export function startHeartbeat(file = HEARTBEAT_FILE): () => void {
  const beat = () => {
    try {
      writeFileSync(file, `${new Date().toISOString()}\n`);
    } catch {
      // A read-only or full /tmp: the health check fails and says why.
    }
  };
  beat();
  const timer = setInterval(beat, HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
