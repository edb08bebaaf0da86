/**
 * One open loop (`openLoop` in load.ts) in a process of its own, started by `openLoopApart`: it
 * takes the options as its first message and answers with the result.
 */
import { openLoop, type OpenLoopOptions } from './load';

process.once('message', (options: OpenLoopOptions) => {
  void openLoop(options).then((result) => process.send!(result, () => process.exit(0)));
});
