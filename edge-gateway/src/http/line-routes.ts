// /api/v1/line and /api/v1/inspections: the PackML line state, its commands and the recent verdicts.
// Registered inside the motion API's /api/v1 scope, so the same API keys, roles and rate limit apply.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { LineStateStationFields } from '@servo-edge/common/mqtt';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GATEWAY_ERRORS, isGatewayError } from '../errors.js';
import type { LineModel } from '../packml/line-model.js';
import { PACKML_COMMANDS, PACKML_STATES } from '../packml/states.js';
import { UNIT_MODES } from '../packml/unit-modes.js';

export interface LineRoutesOptions {
  /** Undefined when the config has no `line`: every route answers 404 EDGE_LINE_NOT_CONFIGURED. */
  model: LineModel | undefined;
}

const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** HTTP status of each gateway error these routes can raise (RFC 9457 bodies). */
const STATUS_BY_CODE: Record<string, number> = {
  EDGE_PACKML_UNKNOWN_COMMAND: 422,
  EDGE_PACKML_COMMAND_NOT_ALLOWED: 409,
  EDGE_PACKML_NOT_ACTING: 409,
  EDGE_UNIT_MODE_UNKNOWN: 422,
  EDGE_UNIT_MODE_CHANGE_NOT_ALLOWED: 409,
  EDGE_COMMAND_NOT_ALLOWED_IN_MODE: 409,
};

const TITLE_BY_CODE: Record<string, string> = {
  EDGE_PACKML_UNKNOWN_COMMAND: 'Unknown PackML command',
  EDGE_PACKML_COMMAND_NOT_ALLOWED: 'Command not allowed in this state',
  EDGE_PACKML_NOT_ACTING: 'Command not allowed in this state',
  EDGE_UNIT_MODE_UNKNOWN: 'Unknown unit mode',
  EDGE_UNIT_MODE_CHANGE_NOT_ALLOWED: 'Unit mode cannot change in this state',
  EDGE_COMMAND_NOT_ALLOWED_IN_MODE: 'Command not used in this unit mode',
};

const RATIO = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]);

const LineStateSchema = Type.Object({
  line: Type.String(),
  state: Type.Union(PACKML_STATES.map((s) => Type.Literal(s))),
  mode: Type.Union(
    UNIT_MODES.map((m) => Type.Literal(m)),
    {
      description:
        'PackML unit mode (ISA-TR88.00.02): Production (the line owns its axes), Maintenance, Manual',
    },
  ),
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
  oee: Type.Object(
    {
      windowMs: Type.Number(),
      availability: RATIO,
      performance: RATIO,
      quality: RATIO,
      oee: RATIO,
      plannedTimeMs: Type.Number(),
      runTimeMs: Type.Number(),
      products: Type.Integer(),
      good: Type.Integer(),
      idealRatePerMin: Type.Number(),
    },
    {
      description:
        'OEE = availability × performance × quality over `windowMs` (null: nothing to measure yet)',
    },
  ),
  suspendedBy: Type.Union([Type.String(), Type.Null()]),
  visionOnline: Type.Boolean(),
  // The stations (infeed, filler, sealer, labeler) and the fault that stopped the line: the MQTT contract's shape.
  ...LineStateStationFields,
  timestampMs: Type.Number({ description: 'When this snapshot was taken, epoch ms' }),
});

export const lineRoutes: FastifyPluginAsyncTypebox<LineRoutesOptions> = async (app, { model }) => {
  if (model === undefined) {
    // A gateway without a line still has these paths, answering 404 EDGE_LINE_NOT_CONFIGURED (RFC 9457),
    // so a client that expects a line learns why there is none instead of a bare "route not found". The
    // roles stay those of the real routes: a viewer's POST is refused for its role first, as with a line.
    const code = 'EDGE_LINE_NOT_CONFIGURED';
    const answer = async (request: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(404)
        .type(PROBLEM_CONTENT_TYPE)
        .send({
          type: `urn:servo-edge:edge-gateway:error:${code}`,
          title: 'No packaging line configured',
          status: 404,
          detail: GATEWAY_ERRORS[code],
          instance: request.url.split('?')[0],
          code,
        });
    const schema = {
      tags: ['line'],
      summary: 'No `line` in the config: 404 EDGE_LINE_NOT_CONFIGURED',
      response: {
        404: Type.Object(
          {
            type: Type.String(),
            title: Type.String(),
            status: Type.Literal(404),
            detail: Type.String(),
            instance: Type.String(),
            code: Type.Literal(code),
          },
          { description: 'RFC 9457 problem: the gateway has no packaging line' },
        ),
      },
    };
    app.get('/line', { schema }, answer);
    app.post('/line/command', { config: { role: 'operator' }, schema }, answer);
    app.post('/line/mode', { config: { role: 'operator' }, schema }, answer);
    app.get('/inspections', { schema }, answer);
    return;
  }
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
        title: TITLE_BY_CODE[error.code],
        status,
        detail: error.message,
        instance: request.url.split('?')[0],
        code: error.code,
        state: error.state ?? model.state,
        allowedCommands: error.allowedCommands ?? model.allowedCommands(),
        ...(error.allowedStates ? { allowedStates: error.allowedStates } : {}),
        mode: model.mode,
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

  app.post(
    '/line/mode',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['line'],
        summary:
          'Change the PackML unit mode (Production, Maintenance, Manual); only while Stopped, Idle or Aborted',
        body: Type.Object(
          { mode: Type.Union(UNIT_MODES.map((m) => Type.Literal(m))) },
          { additionalProperties: false },
        ),
        response: { 200: LineStateSchema },
      },
    },
    async (request) => {
      const change = model.changeMode(request.body.mode);
      request.log.info({ from: change.from, to: change.to, keyId: request.principal?.keyId }, 'line.mode');
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
