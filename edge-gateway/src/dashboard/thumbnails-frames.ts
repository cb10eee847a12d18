// The camera-frame subscription behind the thumbnails: held only while a dashboard is open (plus a
// linger, so a page reload does not churn it), because frames are large and most gateways go unwatched.

import type { Clock } from '@servo-edge/common/clock';
import type { Logger } from '@servo-edge/common/log';
import type { BrokerConnection } from '../broker/broker-connection.js';

export interface FrameSubscriptionOptions {
  /** The gateway's MQTT connection once it exists. */
  broker(): Pick<BrokerConnection, 'subscribe'> | undefined;
  /** `<prefix>/camera/+/frame`. */
  filter: string;
  onFrame(payload: Buffer): void;
  /** Called after unsubscribing, so the raw frames can go too. */
  onReleased(): void;
  clock: Pick<Clock, 'after'>;
  lingerMs: number;
  /** Wait before trying again after a failed subscribe (broker down, not yet started). */
  retryMs: number;
  logger: Logger;
}

export class FrameSubscription {
  private wanted = false;
  private lingering = false;
  private busy = false;
  private closed = false;
  private unsubscribe: (() => Promise<void>) | undefined;
  private cancelTimer: (() => void) | undefined;

  constructor(private readonly opts: FrameSubscriptionOptions) {}

  get subscribed(): boolean {
    return this.unsubscribe !== undefined;
  }

  /** Whether anyone wants frames now; idempotent, cheap to call often. */
  want(active: boolean): void {
    if (this.closed || active === this.wanted) return;
    this.wanted = active;
    this.cancel();
    if (!active) {
      this.lingering = true;
      this.schedule(this.opts.lingerMs, () => {
        this.lingering = false;
        this.reconcile();
      });
      return;
    }
    this.lingering = false;
    this.reconcile();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancel();
    const off = this.unsubscribe;
    this.unsubscribe = undefined;
    await off?.().catch(() => {});
  }

  /** One subscribe or unsubscribe at a time; each completion re-checks what is wanted. */
  private reconcile(): void {
    if (this.busy || this.closed) return;
    if (this.wanted && !this.unsubscribe) {
      const broker = this.opts.broker();
      if (!broker) {
        this.retryLater();
        return;
      }
      this.busy = true;
      let failed = false;
      broker
        .subscribe(this.opts.filter, (_topic, payload) => this.opts.onFrame(payload), { qos: 0 })
        .then(
          (off) => {
            // Closed while the SUBACK was on its way: undo at once.
            if (this.closed) void off().catch(() => {});
            else this.unsubscribe = off;
          },
          (error: unknown) => {
            this.opts.logger.warn(
              {
                code: (error as { code?: string }).code,
              },
              'dashboard.frames.subscribe_failed',
            );
            failed = true;
          },
        )
        .finally(() => {
          this.busy = false;
          if (failed) this.retryLater();
          else this.reconcile();
        });
      return;
    }
    if (!this.wanted && !this.lingering && this.unsubscribe) {
      const off = this.unsubscribe;
      this.unsubscribe = undefined;
      this.busy = true;
      off()
        .catch(() => {})
        .finally(() => {
          this.busy = false;
          this.opts.onReleased();
          this.reconcile();
        });
    }
  }

  private retryLater(): void {
    this.schedule(this.opts.retryMs, () => this.reconcile());
  }

  private schedule(delayMs: number, run: () => void): void {
    this.cancel();
    const { clock } = this.opts;
    this.cancelTimer = clock.after(delayMs, () => {
      this.cancelTimer = undefined;
      run();
    });
  }

  private cancel(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }
}
