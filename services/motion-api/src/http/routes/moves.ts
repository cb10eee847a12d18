// /moves: coordinated multi-axis moves and the status of any move by id.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { MotionService } from '../../motion/motion-service.js';
import {
  CoordinatedMoveBodySchema,
  MoveAcceptedSchema,
  MoveParamsSchema,
  MoveRecordSchema,
  problemResponses,
  WaitQuerySchema,
} from '../schemas.js';
import { answerMove } from './answer-move.js';

export interface MovesRoutesOptions {
  service: MotionService;
  apiPrefix: string;
}

const tags = ['moves'];

export const movesRoutes: FastifyPluginAsyncTypebox<MovesRoutesOptions> = async (
  app,
  { service, apiPrefix },
) => {
  app.post(
    '/moves',
    {
      schema: {
        tags,
        summary:
          'Coordinated move: the axes (idle, nothing queued) start together and arrive together, velocities scaled per axis',
        querystring: WaitQuerySchema,
        body: CoordinatedMoveBodySchema,
        response: { 200: Type.Ref(MoveRecordSchema), 202: MoveAcceptedSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const record = await service.moveCoordinated(request.body);
      return answerMove(service, reply, record, request.query, apiPrefix);
    },
  );

  app.delete(
    '/moves/:id',
    {
      schema: {
        tags,
        summary:
          'Cancel an open move (an armed triggered move, say): a controlled stop of its axes, whose queued moves are aborted too',
        params: MoveParamsSchema,
        response: { 200: Type.Ref(MoveRecordSchema), ...problemResponses },
      },
    },
    async (request) => service.cancelMove(request.params.id),
  );

  app.get(
    '/moves/:id',
    {
      schema: {
        tags,
        summary: "A move's status and, per axis, its outcome",
        params: MoveParamsSchema,
        response: { 200: Type.Ref(MoveRecordSchema), ...problemResponses },
      },
    },
    async (request) => service.getMove(request.params.id),
  );
};
