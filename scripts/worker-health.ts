/**
 * The worker's health check (Docker HEALTHCHECK, Kubernetes exec probe): exits 0 when the
 * worker's heartbeat file was written within the last 30 s, 1 otherwise.
 */
import { statSync } from 'node:fs';
import { HEARTBEAT_FILE, HEARTBEAT_INTERVAL_MS } from '../apps/worker/src/heartbeat';

const STALE_AFTER_MS = 6 * HEARTBEAT_INTERVAL_MS;

try {
  const age = Date.now() - statSync(HEARTBEAT_FILE).mtimeMs;
  if (age > STALE_AFTER_MS) {
    console.error(`worker heartbeat ${HEARTBEAT_FILE} is ${Math.round(age / 1000)} s old`);
    process.exit(1);
  }
} catch (err) {
  console.error(`no worker heartbeat at ${HEARTBEAT_FILE}: ${(err as Error).message}`);
  process.exit(1);
}
