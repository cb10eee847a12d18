// /stream: the WebSocket of live axis state and events (see stream-hub.ts for rate and bounds).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { StreamQuerySchema } from '../schemas.js';
import type { StreamHub } from '../stream-hub.js';

export interface StreamRoutesOptions {
  hub: StreamHub;
}

export const streamRoutes: FastifyPluginAsyncTypebox<StreamRoutesOptions> = async (app, { hub }) => {
  app.get(
    '/stream',
    {
      websocket: true,
      schema: {
        tags: ['stream'],
        summary:
          'WebSocket: a snapshot, then {type:"update", axes, events} at most rateHz times a second; slow clients are closed with 1013',
        querystring: StreamQuerySchema,
      },
    },
    (socket, request) => {
      hub.add(socket, request.query.rateHz);
    },
  );
};
