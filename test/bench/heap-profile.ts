/**
 * Preloaded into the API by `tail.ts` when TAIL_HEAP_PROFILE names a file
 * (`NODE_OPTIONS=--require …/heap-profile.js`): V8's sampling heap profiler from the start, with
 * the objects collected since kept in the samples (by default only what is still alive is), so
 * the profile says where the process allocates, not what it retains. With
 * LABGATE_HEAP_PROFILE_SURVIVORS=1 the objects a scavenge collected are left out: what is left is
 * what lived long enough to be promoted to the old generation (and what is still alive), the
 * objects that make the mark-compacts. SIGURG (ignored by default,
 * and not one of Nest's shutdown signals) writes the profile so far to LABGATE_HEAP_PROFILE_FILE;
 * `docs/profiles/analyze-heapprofile.js` summarises it.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const file = process.env.LABGATE_HEAP_PROFILE_FILE;
if (!file) throw new Error('heap-profile needs LABGATE_HEAP_PROFILE_FILE');

const session = new Session();
session.connect();
const started = new Promise<void>((resolve, reject) => {
  session.post('HeapProfiler.enable', (enableError) => {
    if (enableError) return reject(enableError);
    session.post(
      'HeapProfiler.startSampling',
      // One sample per 16 kB allocated on average (LABGATE_HEAP_PROFILE_INTERVAL bytes): thousands
      // of samples a second under load. A larger interval keeps the profile of a long run small
      // enough to write within the API's heap limit.
      { samplingInterval: Number(process.env.LABGATE_HEAP_PROFILE_INTERVAL ?? 16_384), includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: process.env.LABGATE_HEAP_PROFILE_SURVIVORS !== '1' },
      (startError) => (startError ? reject(startError) : resolve()),
    );
  });
});
started.catch((err: unknown) => console.error('heap-profile: sampling did not start', err));

process.on('SIGURG', () => {
  void started.then(() =>
    session.post('HeapProfiler.getSamplingProfile', (err, result) => {
      if (err) console.error('heap-profile: no profile', err);
      else {
        // Whole or not at all: the bench waits for the file to appear.
        writeFileSync(`${file}.part`, JSON.stringify(result.profile));
        renameSync(`${file}.part`, file);
      }
    }),
  );
});
