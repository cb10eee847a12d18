// RFC 9457 problem details: every error the API answers with, whatever raised it (a MotionError, a
// schema validation, a malformed body, the rate limiter, a bug), leaves as application/problem+json
// with a `code` from the registry in errors.ts.

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isMotionError, MOTION_ERRORS, MotionError, type MotionErrorCode } from '../errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: MotionErrorCode;
  [extension: string]: unknown;
}

export function problemType(code: MotionErrorCode): string {
  return `urn:servo-edge:motion-api:error:${code}`;
}

export function problemBody(error: MotionError, instance: string): ProblemBody {
  return {
    ...error.extensions,
    type: problemType(error.code),
    title: MOTION_ERRORS[error.code].title,
    status: error.status,
    detail: error.message,
    instance,
    code: error.code,
  };
}

/** Any thrown value -> the MotionError it is answered as. */
export function toMotionError(error: unknown): MotionError {
  if (isMotionError(error)) return error;
  const e = error as FastifyError & {
    validation?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[];
  };
  if (e?.validation) {
    const context = (e as { validationContext?: string }).validationContext ?? 'body';
    return new MotionError('VALIDATION_FAILED', e.message, {
      errors: e.validation.map((v) => {
        // Name the offending property for "additional" and "required" errors, which point at its parent.
        const property = v.params?.additionalProperty ?? v.params?.missingProperty;
        return {
          path: `${context}${v.instancePath ?? ''}${property === undefined ? '' : `/${String(property)}`}`,
          message: v.message ?? 'invalid',
        };
      }),
    });
  }
  switch (e?.code) {
    // The router refuses a path parameter beyond maxParamLength before any route or hook runs.
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new MotionError('URI_TOO_LONG', e.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new MotionError('UNSUPPORTED_MEDIA_TYPE', e.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new MotionError('BAD_REQUEST', e.message);
    default:
      break;
  }
  // fastify's JSON parser: a SyntaxError with status 400.
  if (e?.statusCode === 400) return new MotionError('BAD_REQUEST', e.message);
  if (e?.statusCode === 413) return new MotionError('BAD_REQUEST', e.message);
  if (e?.statusCode === 414) return new MotionError('URI_TOO_LONG', e.message);
  if (e?.statusCode === 415) return new MotionError('UNSUPPORTED_MEDIA_TYPE', e.message);
  return new MotionError('INTERNAL_ERROR', 'An unexpected error occurred.');
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: MotionError): FastifyReply {
  if (error.code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer realm="servo-edge"');
  return reply
    .code(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemBody(error, request.url.split('?')[0] ?? request.url));
}

/** fastify error handler: maps, logs 5xx with their cause (never headers), answers problem+json. */
export function problemErrorHandler(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const problem = toMotionError(error);
  if (problem.status >= 500 && problem.code === 'INTERNAL_ERROR')
    request.log.error({ err: error }, 'motion.http.request_failed');
  return sendProblem(reply, request, problem);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(
    reply,
    request,
    new MotionError('ROUTE_NOT_FOUND', `${request.method} ${request.url.split('?')[0]}`),
  );
}
