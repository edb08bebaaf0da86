import { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

/**
 * Work the worker repeats on a timer, started at boot: a round still running when the timer
 * fires is not started again beside it, and shutdown waits for the running round. A round
 * handles its own errors; a rejection it lets through is dropped, and the next tick tries again.
 */
export abstract class PeriodicTask implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  /** Milliseconds between ticks; read once, at boot. */
  protected abstract get intervalMs(): number;

  /** One round of the work. */
  protected abstract round(): Promise<unknown>;

  /** True once shutdown began: a long round stops between its steps. */
  protected get stopping(): boolean {
    return this.stopped;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private kick(): void {
    if (this.stopped || this.running) return;
    this.running = this.round()
      .catch(() => undefined)
      .finally(() => (this.running = undefined));
  }
}
