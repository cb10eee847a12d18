// The product id: how a camera trigger, a frame header and a verdict name the product they are about.

import { Type } from '@sinclair/typebox';

/** 1-64 characters of `A-Z a-z 0-9 . _ : -`: safe in a topic level, a URL path segment and a log line. */
export const PRODUCT_ID_PATTERN = '^[A-Za-z0-9._:-]{1,64}$';

const PRODUCT_ID = new RegExp(PRODUCT_ID_PATTERN);

export function isProductId(value: unknown): value is string {
  return typeof value === 'string' && PRODUCT_ID.test(value);
}

export const ProductIdSchema = Type.String({
  pattern: PRODUCT_ID_PATTERN,
  patternDoc: '1-64 characters of A-Z a-z 0-9 . _ : -',
  description: 'The product this message is about.',
});
