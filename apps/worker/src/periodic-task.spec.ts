import { PeriodicTask } from './periodic-task';

/** A task whose rounds the test ends by hand. */
class Held extends PeriodicTask {
  readonly started: Array<{ end: () => void; fail: (err: Error) => void }> = [];

  protected get intervalMs(): number {
    return 1000;
  }

  protected round(): Promise<unknown> {
    return new Promise<void>((resolve, reject) => this.started.push({ end: resolve, fail: reject }));
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }
}

describe('PeriodicTask', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  it('runs a round at boot and on each tick, never two at once', async () => {
    const task = new Held();
    task.onApplicationBootstrap();
    expect(task.started).toHaveLength(1);
    jest.advanceTimersByTime(3000);
    expect(task.started).toHaveLength(1);
    task.started[0]!.end();
    await settle();
    jest.advanceTimersByTime(1000);
    expect(task.started).toHaveLength(2);
    task.started[1]!.end();
    await task.onApplicationShutdown();
  });

  it('goes on after a round that failed', async () => {
    const task = new Held();
    task.onApplicationBootstrap();
    task.started[0]!.fail(new Error('database away'));
    await settle();
    jest.advanceTimersByTime(1000);
    expect(task.started).toHaveLength(2);
    task.started[1]!.end();
    await task.onApplicationShutdown();
  });

  it('waits at shutdown for the running round, and starts none after', async () => {
    const task = new Held();
    task.onApplicationBootstrap();
    let down = false;
    const stopping = task.onApplicationShutdown().then(() => (down = true));
    expect(task.shuttingDown).toBe(true);
    await settle();
    expect(down).toBe(false);
    task.started[0]!.end();
    await stopping;
    jest.advanceTimersByTime(5000);
    expect(task.started).toHaveLength(1);
  });
});
