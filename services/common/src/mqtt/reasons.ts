// Why a label was rejected: the closed set of reason codes in a verdict's `reasons`, in report order.

/** `label`: the product's label is wrong. `service`: the vision service could not judge the frame in time. */
export interface ReasonInfo {
  kind: 'label' | 'service';
  description: string;
}

/**
 * Reasons in the order a verdict lists them. The vision service's README table lists the same codes
 * in the same order (a test there keeps them in step).
 */
export const REASON_CODES = {
  NO_LABEL: { kind: 'label', description: 'No label in or near the expected region.' },
  NO_CODE: {
    kind: 'label',
    description: 'A label is present but no code of the recipe symbology could be read.',
  },
  WRONG_GTIN: {
    kind: 'label',
    description: 'The code carries no GTIN (01) or a different GTIN from the recipe.',
  },
  WRONG_LOT: { kind: 'label', description: 'The lot (10) is missing or differs from the recipe.' },
  EXPIRED: { kind: 'label', description: 'The expiry (17) is missing or earlier than the recipe minimum.' },
  BAD_CHECK_DIGIT: { kind: 'label', description: 'The GTIN check digit is wrong.' },
  MISPLACED: {
    kind: 'label',
    description: 'The label centre is further from the region centre than the tolerance.',
  },
  SKEWED: { kind: 'label', description: 'The label is rotated by more than the tolerance.' },
  LOW_CONTRAST: { kind: 'label', description: 'The print contrast signal is below the recipe minimum.' },
  UNREADABLE_IMAGE: {
    kind: 'label',
    description: 'The frame or its image could not be decoded; see `detail`.',
  },
  DEADLINE_EXCEEDED: {
    kind: 'service',
    description: 'The frame waited or decoded longer than the deadline and was not judged.',
  },
  QUEUE_FULL: { kind: 'service', description: 'The bounded work queue was full when the frame arrived.' },
  NO_RECIPE: { kind: 'service', description: 'No valid recipe has been received yet.' },
} as const satisfies Record<string, ReasonInfo>;

export type ReasonCode = keyof typeof REASON_CODES;

export const REASON_ORDER = Object.keys(REASON_CODES) as ReasonCode[];

/** Sorts reasons into registry order and drops duplicates, so verdicts are stable to compare. */
export function orderReasons(reasons: Iterable<ReasonCode>): ReasonCode[] {
  const present = new Set(reasons);
  return REASON_ORDER.filter((code) => present.has(code));
}
