// Sends the node's time events: when the earliest live good-till-time order is due, the node
// logs a time event (Pipeline.submitTime), whose time expires it in the core. The expiry is
// thus an event of the log like any other, so every replay expires the same orders at the same
// point. Nothing is sent while no order can expire.

import type { Logger } from './ports.ts';
import type { Clock } from './pipeline/origin.ts';

/** setTimeout's longest delay; a later expiry is waited for in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;
/** After a time event that left its order live (the clock went back): the pause before the next. */
const RETRY_MS = 1000;

export interface ExpiryTimerOptions {
  /** The earliest expiresAt (ms) of a live order, or null. */
  nextExpiry: () => number | null;
  /** Logs and applies a time event stamped with the clock's time. */
  sendTime: () => Promise<void>;
  clock: Clock;
  logger: Logger;
}

export class ExpiryTimer {
  private readonly options: ExpiryTimerOptions;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The expiry the timer waits for. */
  private waitingFor: number | null = null;
  private sending = false;
  private stopped = true;
  /** The expiry the last time event was sent for: if it is still next, the event did not reach it. */
  private lastSentFor: number | null = null;

  constructor(options: ExpiryTimerOptions) {
    this.options = options;
  }

  start(): void {
    this.stopped = false;
    this.reschedule();
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  /** Looks again at the next expiry (after every applied batch: an order may have come or gone). */
  reschedule(): void {
    if (this.stopped || this.sending) return;
    const due = this.options.nextExpiry();
    if (due === this.waitingFor && this.timer !== null) return;
    this.clear();
    if (due === null) return;
    let delay = Math.max(0, due - this.options.clock.now());
    if (due === this.lastSentFor) delay = Math.max(delay, RETRY_MS);
    this.waitingFor = due;
    this.timer = setTimeout(() => this.wake(due), Math.min(delay, MAX_DELAY_MS));
  }

  private clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.waitingFor = null;
  }

  private wake(due: number): void {
    this.timer = null;
    this.waitingFor = null;
    if (this.stopped) return;
    if (this.options.clock.now() < due) {
      this.reschedule(); // a long wait in steps, or a timer that fired early
      return;
    }
    this.sending = true;
    this.lastSentFor = due;
    this.options.sendTime().then(
      () => this.sent(),
      (err) => {
        // the log refuses writes until a restart (the sequencer has failed): nothing more to send
        this.options.logger.error('expiry: a time event could not be logged; no more expiries until a restart', {
          error: (err as Error).message,
        });
        this.sending = false;
        this.stop();
      },
    );
  }

  private sent(): void {
    this.sending = false;
    this.reschedule();
  }
}
