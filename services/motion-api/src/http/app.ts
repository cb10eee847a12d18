// buildApp(deps): the motion API as a fastify instance that never listens (tests use inject(), the CLI
// and the edge gateway call listen()). Everything is in motionApiPlugin, so the gateway can also
// register it in its own app, and add routes under /api/v1 behind the same auth via apiPlugins.

import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fastifyWebsocket from '@fastify/websocket';
import type { Clock } from '@servo-edge/common/clock';
import { systemClock } from '@servo-edge/common/clock';
import { createLogger, type Logger } from '@servo-edge/common/log';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { MotionError } from '../errors.js';
import { createMotionMetrics, type MotionMetrics } from '../metrics/motion-metrics.js';
import type { MotionService } from '../motion/motion-service.js';
import { authHook, createAuthenticator } from './auth.js';
import { notFoundHandler, problemErrorHandler } from './problem.js';
import { axesRoutes } from './routes/axes.js';
import { controllersRoutes } from './routes/controllers.js';
import { estopRoutes } from './routes/estop.js';
import { healthRoutes, metricsRoutes } from './routes/health.js';
import { movesRoutes } from './routes/moves.js';
import { streamRoutes } from './routes/stream.js';
import { SHARED_SCHEMAS } from './schemas.js';
import { StreamHub } from './stream-hub.js';

export const API_PREFIX = '/api/v1';
/** Clients only listen on /stream: anything they send is small. */
const WEBSOCKET_OPTIONS = { options: { maxPayload: 4096 } };

/** A plugin the gateway adds under /api/v1; it inherits auth, role checks, rate limit and problem+json. */
export interface ApiPlugin {
  // biome-ignore lint/suspicious/noExplicitAny: fastify plugins carry their own option types.
  plugin: FastifyPluginAsync<any>;
  options?: Record<string, unknown>;
}

export interface MotionApiPluginOptions {
  service: MotionService;
  /** Drives the WebSocket update timers; systemClock by default. */
  clock?: Clock;
  /** Share a registry with the gateway; created from the service otherwise. */
  metrics?: MotionMetrics;
  apiPlugins?: ApiPlugin[];
  /** Serve /docs (Swagger UI). Default true. */
  docs?: boolean;
  /** Install the problem+json 404 handler. Default true; turn off when the host app has its own. */
  notFoundHandler?: boolean;
}

export interface BuildAppDeps extends MotionApiPluginOptions {
  /**
   * The process's logger (@servo-edge/common/log): fastify's request logs go to it, with its one
   * redaction list (Authorization, the WebSocket key). Otherwise one is made at config.logLevel.
   */
  logger?: Logger;
}

/** Builds the app; never listens. The service is not started here: the caller owns its life cycle. */
export function buildApp(deps: BuildAppDeps): FastifyInstance {
  const { config } = deps.service;
  const app = Fastify({
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    // Unknown body properties are refused rather than silently removed.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    // As fastify's base type: the app's type stays the one every route plugin is written against.
    // Errors the router raises before any route matches (a path parameter beyond maxParamLength: 414,
    // a malformed URL component: 400) answer problem+json too, not fastify's plain JSON.
    frameworkErrors: problemErrorHandler,
    loggerInstance: (deps.logger ??
      createLogger({ level: config.logLevel, name: 'motion-api' })) as FastifyBaseLogger,
  }).withTypeProvider<TypeBoxTypeProvider>();
  if (config.auth.disabled) {
    // Dev mode: every request is treated as admin (loopback only, checked when the config loaded).
    app.log.warn({ host: config.http.host }, 'motion.auth.disabled');
  }
  // At the root, so app.injectWS() and the upgrade handling belong to the whole server.
  app.register(fastifyWebsocket, WEBSOCKET_OPTIONS);
  app.register(motionApiPlugin, deps);
  return app;
}

/** The whole API as one plugin: schemas, problem+json, docs, health, metrics and /api/v1. */
export const motionApiPlugin: FastifyPluginAsync<MotionApiPluginOptions> = async (root, opts) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = opts;
  const { config } = service;
  const clock = opts.clock ?? systemClock;
  const metrics = opts.metrics ?? createMotionMetrics(service);
  const authenticator = createAuthenticator(config.auth);
  const hub = new StreamHub({
    service,
    config: config.stream,
    clock,
    onDropped: () => metrics.streamClientsDropped.inc(),
    onClientCount: (n) => metrics.streamClients.set(n),
  });
  app.addHook('onClose', async () => hub.close());

  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  app.setErrorHandler(problemErrorHandler);
  if (opts.notFoundHandler !== false) app.setNotFoundHandler(notFoundHandler);
  replaceJsonParser(app);

  app.addHook('onResponse', async (request, reply) => {
    metrics.requestDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'servo-edge motion API',
        version: '1',
        description:
          'Drives servo controllers over serial. The e-stop here is a software stop of the controllers: it does not replace a hardwired emergency-stop circuit (IEC 60204-1 / ISO 13850).',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  if (opts.docs !== false) {
    // The UI's assets are served from @fastify/swagger-ui's own static folder: no CDN.
    await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  }
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  if (!app.hasDecorator('websocketServer')) await app.register(fastifyWebsocket, WEBSOCKET_OPTIONS);

  await app.register(healthRoutes, { service });
  await app.register(async (scope) => {
    if (!config.metrics.public) scope.addHook('onRequest', authHook(authenticator));
    await scope.register(metricsRoutes, { metrics });
  });

  await app.register(
    async (api) => {
      api.addHook('onRequest', authHook(authenticator));
      await api.register(fastifyRateLimit, {
        max: config.auth.rateLimit.maxRequests,
        timeWindow: config.auth.rateLimit.windowMs,
        keyGenerator: (request) =>
          request.principal ? `key:${request.principal.keyId}` : `ip:${request.ip}`,
        errorResponseBuilder: (_request, context) =>
          new MotionError(
            'RATE_LIMITED',
            `limit of ${context.max} requests reached; retry in ${context.after}`,
            {
              retryAfterMs: context.ttl,
            },
          ),
      });
      await api.register(axesRoutes, { service, apiPrefix: API_PREFIX });
      await api.register(movesRoutes, { service, apiPrefix: API_PREFIX });
      await api.register(estopRoutes, { service });
      await api.register(controllersRoutes, { service });
      await api.register(streamRoutes, { hub });
      for (const extra of opts.apiPlugins ?? []) await api.register(extra.plugin, extra.options ?? {});
    },
    { prefix: API_PREFIX },
  );
};

/**
 * JSON bodies only: an empty body is no body (a client posting /estop with a JSON content type and
 * nothing else must not be refused), and `__proto__` keys are dropped.
 */
function replaceJsonParser(app: FastifyInstance): void {
  // Only JSON bodies: text/plain (which fastify parses by default) is 415, not a schema error.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(
        null,
        JSON.parse(text, (key, value) => (key === '__proto__' ? undefined : value)),
      );
    } catch {
      done(new MotionError('BAD_REQUEST', 'the body is not valid JSON'), undefined);
    }
  });
}
