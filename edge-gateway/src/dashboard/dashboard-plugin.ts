// The dashboard's HTTP side, at the server root: the page at `/`, its files under `/dashboard/`, and
// the live feed at `/dashboard/stream` (a WebSocket authenticated by subprotocol, see feed-auth.ts).

import { type Authenticator, MotionError, type Principal, sendProblem } from '@servo-edge/motion-api';
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  RouteHandlerMethod,
  RouteOptions,
} from 'fastify';
import type { DashboardFeed, FeedSocket } from './dashboard-feed.js';
import { keyFromProtocols } from './feed-auth.js';
import { loadAssets, PUBLIC_DIR } from './static-assets.js';

export interface DashboardPluginOptions {
  feed: DashboardFeed;
  authenticator: Authenticator;
  /** Where the page's files are; the package's own by default. */
  assetsDir?: URL;
}

export const FEED_PATH = '/dashboard/stream';

/**
 * @fastify/websocket's route option (the motion API registers the plugin on the server). Spelled out
 * here because its type augmentation does not reach this package through the motion API's declarations.
 */
type WebSocketRouteOptions = RouteOptions & { websocket: true };

/**
 * Everything the page loads comes from this server (no CDN); blob: is for thumbnails fetched with the
 * key. `connect-src 'self'` covers the same-origin WebSocket (CSP 3).
 */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const dashboardPlugin: FastifyPluginAsync<DashboardPluginOptions> = async (app, opts) => {
  const assets = await loadAssets(opts.assetsDir ?? PUBLIC_DIR);
  for (const asset of assets) {
    app.get(asset.urlPath, async (request, reply) => {
      reply
        .header('etag', asset.etag)
        // Revalidate every load: an updated gateway must not run a stale page against a new API.
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff');
      if (asset.contentType.startsWith('text/html')) {
        reply
          .header('content-security-policy', PAGE_CSP)
          .header('referrer-policy', 'no-referrer')
          .header('x-frame-options', 'DENY');
      }
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      return reply.type(asset.contentType).send(asset.body);
    });
  }

  const principals = new WeakMap<FastifyRequest, Principal>();
  const feedRoute = {
    method: 'GET',
    url: FEED_PATH,
    websocket: true,
    // Refuse before the upgrade, so a wrong key is a plain 401 problem, not an opened-then-closed socket.
    preValidation: async (request: FastifyRequest, reply: FastifyReply) => {
      const key = keyFromProtocols(request.headers['sec-websocket-protocol']);
      const principal = opts.authenticator.identify(key === undefined ? undefined : `Bearer ${key}`);
      if (!principal) {
        return sendProblem(reply, request, new MotionError('UNAUTHORIZED', 'missing or unknown API key'));
      }
      principals.set(request, principal);
    },
    // With `websocket: true`, @fastify/websocket calls the handler with the socket instead of a reply.
    handler: ((socket: FeedSocket, request: FastifyRequest) => {
      opts.feed.add(socket, principals.get(request)?.role ?? 'viewer');
    }) as unknown as RouteHandlerMethod,
  } satisfies WebSocketRouteOptions;
  app.route(feedRoute);

  app.addHook('onClose', async () => opts.feed.close());
};
