// /estop: the software stop. POST /estop writes 0x18 to every controller at once, ahead of every
// queue and exempt from rate limiting; POST /estop/reset (admin) sends RESET. Not an e-stop circuit.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MotionError } from '../../errors.js';
import type { MotionService } from '../../motion/motion-service.js';
import { EstopResultSchema, problemResponses, ResetResultSchema } from '../schemas.js';

export interface EstopRoutesOptions {
  service: MotionService;
}

const tags = ['estop'];

export const estopRoutes: FastifyPluginAsyncTypebox<EstopRoutesOptions> = async (app, { service }) => {
  app.post(
    '/estop',
    {
      config: { role: 'operator', rateLimit: false },
      schema: {
        tags,
        summary:
          'Software stop: 0x18 to every controller at once, bypassing all queues. Does not replace a hardwired emergency stop.',
        response: { 200: EstopResultSchema, ...problemResponses },
      },
    },
    async () => {
      const result = service.estop();
      if (!result.delivered) {
        throw new MotionError(
          'ESTOP_NOT_DELIVERED',
          'the e-stop byte could not be written to every controller',
          {
            controllers: result.controllers,
          },
        );
      }
      return result;
    },
  );

  app.post(
    '/estop/reset',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary:
          'RESET every controller: clears the e-stop and fault latches (not while an e-stop input is active)',
        response: { 200: ResetResultSchema, ...problemResponses },
      },
    },
    async () => {
      const result = await service.resetEstop();
      if (!result.ok) {
        const first = result.controllers.find((c) => !c.ok)!;
        throw new MotionError(
          first.code ?? 'INTERNAL_ERROR',
          `reset refused or not delivered on ${first.id}`,
          {
            controllers: result.controllers,
          },
        );
      }
      return result;
    },
  );
};
