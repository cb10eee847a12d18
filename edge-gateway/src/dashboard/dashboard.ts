// Composes the operator dashboard from the gateway's parts: the feed, the thumbnails (frames, store,
// worker) and the two plugins, one at the server root and one under /api/v1. Constructing does no I/O.

import { type Clock, systemClock } from '@servo-edge/common/clock';
import { type Logger, silentLogger } from '@servo-edge/common/log';
import { type ApiPlugin, createAuthenticator, type MotionService } from '@servo-edge/motion-api';
import type { FastifyPluginAsync } from 'fastify';
import type { BrokerConnection } from '../broker/broker-connection.js';
import type { LineModel } from '../packml/line-model.js';
import { DashboardFeed } from './dashboard-feed.js';
import { dashboardPlugin } from './dashboard-plugin.js';
import { FrameSubscription } from './thumbnails-frames.js';
import { createWorkerRenderer, type ThumbnailRenderer } from './thumbnails-renderer.js';
import { thumbnailRoutes } from './thumbnails-route.js';
import { ThumbnailStore } from './thumbnails-store.js';

export interface DashboardOptions {
  motion: MotionService;
  /** Absent when the config has no line: the page shows the axes and says there is no line. */
  line?: LineModel;
  topicPrefix: string;
  brokerKind: 'embedded' | 'external';
  /** The gateway's MQTT connection, once `start()` has made it. */
  broker(): Pick<BrokerConnection, 'subscribe' | 'connected'> | undefined;
  /** Axis name → the station that owns it in Production, shown beside each axis. */
  axisOwners?(): ReadonlyMap<string, string>;
  clock?: Clock;
  logger?: Logger;
  /** Test seam: render thumbnails in-process instead of on a worker thread. */
  renderer?: ThumbnailRenderer;
}

export interface Dashboard {
  /** Register on the server root: the page, its files and the feed. Closes everything on app close. */
  plugin: FastifyPluginAsync;
  /** Add to the motion API's apiPlugins: the thumbnail route. */
  apiPlugin: ApiPlugin;
  feed: DashboardFeed;
  thumbnails: ThumbnailStore;
}

/** Feed updates per second at most: enough for a smooth 30 s plot, cheap on a Pi and on tablet Wi-Fi. */
const MAX_FEED_RATE_HZ = 10;

export function createDashboard(options: DashboardOptions): Dashboard {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const { motion } = options;
  const renderer = options.renderer ?? createWorkerRenderer({ clock, idleMs: 60_000 });
  const thumbnails = new ThumbnailStore({
    renderer,
    maxFrames: 16,
    maxFrameBytes: 12 * 1024 * 1024,
    maxThumbnails: 64,
    maxPendingRenders: 4,
    thumbWidthPx: 240,
  });
  const frames = new FrameSubscription({
    broker: options.broker,
    filter: `${options.topicPrefix}/camera/+/frame`,
    onFrame: (payload) => thumbnails.offer(payload),
    onReleased: () => thumbnails.releaseFrames(),
    clock,
    lingerMs: 30_000,
    retryMs: 2_000,
    logger,
  });
  const feed = new DashboardFeed({
    motion,
    ...(options.line ? { line: options.line } : {}),
    broker: () => ({ kind: options.brokerKind, connected: options.broker()?.connected ?? null }),
    ...(options.axisOwners ? { axisOwners: options.axisOwners } : {}),
    clock,
    rateHz: Math.min(motion.config.stream.rateHz, MAX_FEED_RATE_HZ),
    maxClients: motion.config.stream.maxClients,
    maxBufferedBytes: motion.config.stream.maxBufferedBytes,
    onClientCount: (count) => frames.want(count > 0),
    // Rejects are what an operator looks at: render them before anyone asks.
    onNewInspections: (verdicts) => {
      for (const v of verdicts) if (v.verdict === 'reject' && v.productId) thumbnails.prepare(v.productId);
    },
  });
  const authenticator = createAuthenticator(motion.config.auth);

  const plugin: FastifyPluginAsync = async (app) => {
    await app.register(dashboardPlugin, { feed, authenticator });
    app.addHook('onClose', async () => {
      await frames.close();
      await renderer.close();
    });
  };

  return {
    plugin,
    apiPlugin: { plugin: thumbnailRoutes, options: { store: thumbnails } },
    feed,
    thumbnails,
  };
}
