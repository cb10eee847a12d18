// Root routes for operations: /healthz (the process answers), /readyz (every link is up), /metrics.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MotionError } from '../../errors.js';
import type { MotionMetrics } from '../../metrics/motion-metrics.js';
import { PROMETHEUS_CONTENT_TYPE } from '../../metrics/prometheus.js';
import type { MotionService } from '../../motion/motion-service.js';
import { HealthSchema, problemResponses, ReadySchema } from '../schemas.js';

export interface HealthRoutesOptions {
  service: MotionService;
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { service }) => {
  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'Liveness', response: { 200: HealthSchema } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: 200 when every controller link is ready, else 503 SERVICE_NOT_READY',
        response: { 200: ReadySchema, ...problemResponses },
      },
    },
    async () => {
      const controllers = service.controllers().map((c) => ({ id: c.id, state: c.state }));
      if (!service.isReady()) {
        throw new MotionError('SERVICE_NOT_READY', 'not every controller link is ready', { controllers });
      }
      return { status: 'ready' as const, controllers };
    },
  );
};

export interface MetricsRoutesOptions {
  metrics: MotionMetrics;
}

export const metricsRoutes: FastifyPluginAsyncTypebox<MetricsRoutesOptions> = async (app, { metrics }) => {
  app.get(
    '/metrics',
    {
      config: { role: 'viewer' },
      schema: { tags: ['operations'], summary: 'Prometheus text format', produces: ['text/plain'] },
    },
    async (_request, reply) => reply.type(PROMETHEUS_CONTENT_TYPE).send(metrics.registry.render()),
  );
};
