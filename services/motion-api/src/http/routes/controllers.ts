// /controllers: link health per controller; /config: the running configuration without secrets (admin).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { MotionConfig } from '../../config/schema.js';
import type { MotionService } from '../../motion/motion-service.js';
import { ControllerStatusSchema, problemResponses } from '../schemas.js';

export interface ControllersRoutesOptions {
  service: MotionService;
}

/** The configuration with every API key replaced by its id and role. */
export function redactedConfig(config: MotionConfig): Record<string, unknown> {
  return {
    ...config,
    auth: {
      ...config.auth,
      keys: config.auth.keys.map((k) => ({ id: k.id, role: k.role })),
    },
  };
}

export const controllersRoutes: FastifyPluginAsyncTypebox<ControllersRoutesOptions> = async (
  app,
  { service },
) => {
  app.get(
    '/controllers',
    {
      schema: {
        tags: ['controllers'],
        summary: 'Link health: state, rtt, retransmits, CRC errors, bytes in and out, last error',
        response: {
          200: Type.Object({ controllers: Type.Array(Type.Ref(ControllerStatusSchema)) }),
          ...problemResponses,
        },
      },
    },
    async () => ({ controllers: service.controllers() }),
  );

  app.get(
    '/config',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['config'],
        summary: 'The running configuration, API keys reduced to id and role',
        response: { 200: Type.Object({}, { additionalProperties: true }), ...problemResponses },
      },
    },
    async () => redactedConfig(service.config),
  );
};
