// /axes: list and read axes; move, jog, stop, home, enable and disable one axis.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { MotionService } from '../../motion/motion-service.js';
import {
  AxisParamsSchema,
  AxisStatusSchema,
  HomeResultSchema,
  JogBodySchema,
  JogRenewBodySchema,
  JogResultSchema,
  MoveAcceptedSchema,
  MoveRecordSchema,
  problemResponses,
  SingleMoveBodySchema,
  WaitQuerySchema,
} from '../schemas.js';
import { answerMove } from './answer-move.js';

export interface AxesRoutesOptions {
  service: MotionService;
  apiPrefix: string;
}

const tags = ['axes'];

export const axesRoutes: FastifyPluginAsyncTypebox<AxesRoutesOptions> = async (
  app,
  { service, apiPrefix },
) => {
  app.get(
    '/axes',
    {
      schema: {
        tags,
        summary: 'Every configured axis with its state, in user units',
        response: { 200: Type.Object({ axes: Type.Array(Type.Ref(AxisStatusSchema)) }), ...problemResponses },
      },
    },
    async () => ({ axes: service.listAxes() }),
  );

  app.get(
    '/axes/:name',
    {
      schema: {
        tags,
        summary: 'One axis: position, velocity and target in user units, state, homed, fault, queue',
        params: AxisParamsSchema,
        response: { 200: Type.Ref(AxisStatusSchema), ...problemResponses },
      },
    },
    async (request) => service.axis(request.params.name),
  );

  app.post(
    '/axes/:name/move',
    {
      schema: {
        tags,
        summary: 'Queue a point-to-point move (202), or with ?wait=true answer when it is done (200)',
        params: AxisParamsSchema,
        querystring: WaitQuerySchema,
        body: SingleMoveBodySchema,
        response: { 200: Type.Ref(MoveRecordSchema), 202: MoveAcceptedSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const record = await service.move(request.params.name, request.body);
      return answerMove(service, reply, record, request.query, apiPrefix);
    },
  );

  app.post(
    '/axes/:name/jog',
    {
      schema: {
        tags,
        summary:
          'Run at a signed velocity while the lease is renewed (hold-to-run); stops when it is not, or on stop',
        params: AxisParamsSchema,
        body: JogBodySchema,
        response: { 200: JogResultSchema, ...problemResponses },
      },
    },
    async (request) => service.jog(request.params.name, request.body),
  );

  app.post(
    '/axes/:name/jog/renew',
    {
      schema: {
        tags,
        summary:
          "Renew a jog's lease for its leaseMs from now (204); 404 JOG_LEASE_NOT_FOUND once it is over",
        params: AxisParamsSchema,
        body: JogRenewBodySchema,
        response: { 204: Type.Null(), ...problemResponses },
      },
      // Sent several times a second while a button is held: no request log line for it.
      logLevel: 'warn',
    },
    async (request, reply) => {
      await service.renewJog(request.params.name, request.body.leaseId);
      return reply.code(204).send(null);
    },
  );

  for (const action of ['stop', 'enable', 'disable'] as const) {
    app.post(
      `/axes/:name/${action}`,
      {
        schema: {
          tags,
          summary:
            action === 'stop'
              ? 'Controlled stop; running and queued moves are aborted'
              : `${action === 'enable' ? 'Enable' : 'Disable'} the axis drive`,
          params: AxisParamsSchema,
          response: { 200: Type.Ref(AxisStatusSchema), ...problemResponses },
        },
      },
      async (request) => service[action](request.params.name),
    );
  }

  app.post(
    '/axes/:name/home',
    {
      schema: {
        tags,
        summary: 'Start homing (202), or with ?wait=true answer once homed (200)',
        params: AxisParamsSchema,
        querystring: WaitQuerySchema,
        response: { 200: HomeResultSchema, 202: HomeResultSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const result = await service.home(request.params.name, {
        wait: request.query.wait,
        maxWaitMs: request.query.timeoutMs,
      });
      return reply.code(result.status === 'homed' ? 200 : 202).send(result);
    },
  );
};
