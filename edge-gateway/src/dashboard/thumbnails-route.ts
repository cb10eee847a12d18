// GET /api/v1/inspections/:productId/thumbnail: a small grayscale PNG of an inspected label (viewer).
// Registered inside the motion API's /api/v1 scope, so the same keys, roles and rate limit apply.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PRODUCT_ID_PATTERN } from '@servo-edge/common/mqtt';
import { Type } from '@sinclair/typebox';
import type { GatewayErrorCode } from '../errors.js';
import type { ThumbnailStore } from './thumbnails-store.js';

export interface ThumbnailRoutesOptions {
  store: Pick<ThumbnailStore, 'get'>;
}

const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** HTTP status and title of this route's codes; the codes themselves are in the registry (src/errors.ts). */
export const THUMBNAIL_PROBLEMS: Record<
  'EDGE_THUMBNAIL_NOT_FOUND' | 'EDGE_THUMBNAIL_BUSY',
  { status: number; title: string }
> & {
  [K in Extract<GatewayErrorCode, `EDGE_THUMBNAIL_${string}`>]: { status: number; title: string };
} = {
  EDGE_THUMBNAIL_NOT_FOUND: { status: 404, title: 'No thumbnail for this product' },
  EDGE_THUMBNAIL_BUSY: { status: 503, title: 'Thumbnails are busy' },
};

const DETAIL = {
  'not-found':
    'only the newest frames are kept, and only while a dashboard is open; this one is gone or never arrived',
  unreadable: 'the camera frame for this product could not be decoded',
  busy: 'too many thumbnails are being rendered; try again shortly',
} as const;

export const thumbnailRoutes: FastifyPluginAsyncTypebox<ThumbnailRoutesOptions> = async (app, { store }) => {
  app.get(
    '/inspections/:productId/thumbnail',
    {
      schema: {
        tags: ['line'],
        summary:
          'A small grayscale PNG of an inspected label; kept for the newest frames while a dashboard is open',
        params: Type.Object({ productId: Type.String({ pattern: PRODUCT_ID_PATTERN }) }),
      },
    },
    async (request, reply) => {
      const result = await store.get(request.params.productId);
      if (result.ok) {
        // One product's label never changes: a tablet may keep it (private: it came with a key).
        return reply
          .type('image/png')
          .header('cache-control', 'private, max-age=3600, immutable')
          .send(Buffer.from(result.png.buffer, result.png.byteOffset, result.png.byteLength));
      }
      const code = result.reason === 'busy' ? 'EDGE_THUMBNAIL_BUSY' : 'EDGE_THUMBNAIL_NOT_FOUND';
      const { status, title } = THUMBNAIL_PROBLEMS[code];
      if (result.reason === 'busy') reply.header('retry-after', '1');
      return reply
        .code(status)
        .type(PROBLEM_CONTENT_TYPE)
        .send({
          type: `urn:servo-edge:edge-gateway:error:${code}`,
          title,
          status,
          detail: DETAIL[result.reason],
          instance: request.url.split('?')[0],
          code,
          productId: request.params.productId,
        });
    },
  );
};
