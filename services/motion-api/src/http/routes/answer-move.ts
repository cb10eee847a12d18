// How a move request is answered: 202 once the controller accepted it; with ?wait=true, 200 when it
// is done, a problem when it was aborted, failed or lost from sight, and 202 if the wait ran out.

import type { FastifyReply } from 'fastify';
import { MotionError } from '../../errors.js';
import type { MotionService } from '../../motion/motion-service.js';
import type { MoveRecord } from '../../motion/move-tracker.js';

export async function answerMove(
  service: MotionService,
  reply: FastifyReply,
  record: MoveRecord,
  query: { wait: boolean; timeoutMs?: number },
  apiPrefix: string,
): Promise<FastifyReply> {
  reply.header('location', `${apiPrefix}/moves/${record.moveId}`);
  if (!query.wait) return reply.code(202).send({ moveId: record.moveId, status: record.status });
  const final = await service.waitForMove(record.moveId, query.timeoutMs);
  const ext = { moveId: final.moveId, moveStatus: final.status };
  switch (final.status) {
    case 'done':
      return reply.code(200).send(final);
    case 'aborted':
      throw new MotionError('MOVE_ABORTED', final.error?.detail, ext);
    case 'unknown':
      throw new MotionError('MOVE_OUTCOME_UNKNOWN', final.error?.detail, ext);
    case 'failed':
      throw new MotionError(
        (final.error?.code as MotionError['code'] | undefined) ?? 'INTERNAL_ERROR',
        final.error?.detail,
        ext,
      );
    default:
      // The wait ran out: still accepted and running.
      return reply.code(202).send({ moveId: final.moveId, status: final.status });
  }
}
