// /api/v1/line and /api/v1/inspections: the PackML line state, its commands and the recent verdicts.
// Registered inside the motion API's /api/v1 scope, so the same API keys, roles and rate limit apply.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { isGatewayError } from '../errors.js';
import type { LineModel } from '../packml/line-model.js';
import { PACKML_COMMANDS, PACKML_STATES } from '../packml/states.js';

export interface LineRoutesOptions {
  model: LineModel;
}

const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** HTTP status of each gateway error these routes can raise (RFC 9457 bodies). */
const STATUS_BY_CODE: Record<string, number> = {
  EDGE_PACKML_UNKNOWN_COMMAND: 422,
  EDGE_PACKML_COMMAND_NOT_ALLOWED: 409,
  EDGE_PACKML_NOT_ACTING: 409,
};

const LineStateSchema = Type.Object({
  line: Type.String(),
  state: Type.Union(PACKML_STATES.map((s) => Type.Literal(s))),
  allowedCommands: Type.Array(Type.String()),
  stateSinceMs: Type.Number({ description: 'When the current state was entered, epoch ms' }),
  timeInStateMs: Type.Number({
    description: 'How long the line has been in this state, ms on the monotonic clock (immune to NTP steps)',
  }),
  counters: Type.Object(
    {
      produced: Type.Integer(),
      good: Type.Integer(),
      rejected: Type.Integer(),
      ratePerMin: Type.Number(),
    },
    { additionalProperties: true },
  ),
  suspendedBy: Type.Union([Type.String(), Type.Null()]),
  visionOnline: Type.Boolean(),
  timestampMs: Type.Number({ description: 'When this snapshot was taken, epoch ms' }),
});

export const lineRoutes: FastifyPluginAsyncTypebox<LineRoutesOptions> = async (app, { model }) => {
  // PackML refusals are the caller's mistake (409/422), not server errors: answer them here and pass
  // everything else up to the motion API's problem+json handler.
  app.setErrorHandler((error, request, reply) => {
    if (!isGatewayError(error) || STATUS_BY_CODE[error.code] === undefined) throw error;
    const status = STATUS_BY_CODE[error.code]!;
    return reply
      .code(status)
      .type(PROBLEM_CONTENT_TYPE)
      .send({
        type: `urn:servo-edge:edge-gateway:error:${error.code}`,
        title:
          error.code === 'EDGE_PACKML_UNKNOWN_COMMAND'
            ? 'Unknown PackML command'
            : 'Command not allowed in this state',
        status,
        detail: error.message,
        instance: request.url.split('?')[0],
        code: error.code,
        state: error.state ?? model.state,
        allowedCommands: error.allowedCommands ?? model.allowedCommands(),
      });
  });

  app.get(
    '/line',
    {
      schema: {
        tags: ['line'],
        summary: 'PackML state of the packaging line, the commands it allows now, and its counters',
        response: { 200: LineStateSchema },
      },
    },
    async () => model.snapshot(),
  );

  app.post(
    '/line/command',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['line'],
        summary:
          'Issue a PackML command (Reset, Start, Stop, Hold, Unhold, Suspend, Unsuspend, Abort, Clear)',
        body: Type.Object(
          { command: Type.Union(PACKML_COMMANDS.map((c) => Type.Literal(c))) },
          { additionalProperties: false },
        ),
        response: { 200: LineStateSchema },
      },
    },
    async (request) => {
      model.command(request.body.command);
      return model.snapshot();
    },
  );

  app.get(
    '/inspections',
    {
      schema: {
        tags: ['line'],
        summary: 'The most recent vision verdicts, newest first',
        querystring: Type.Object(
          { limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 50 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ inspections: Type.Array(Type.Object({}, { additionalProperties: true })) }),
        },
      },
    },
    async (request) => ({ inspections: model.recentInspections(request.query.limit) }),
  );
};
