// The seeded PRNG lives in the common test support; kept here for this package's testing entry point.
export { type Random, seededRandom } from '@servo-edge/common/testing';
