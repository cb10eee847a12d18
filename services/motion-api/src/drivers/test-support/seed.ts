// One seed for the codecs' randomised tests, printed so a failing run can be repeated:
// HW_CODEC_SEED=<seed> npx vitest run services/motion-api/src/drivers

export function codecTestSeed(): number {
  const fromEnv = Number(process.env.HW_CODEC_SEED);
  const seed = Number.isInteger(fromEnv) && fromEnv !== 0 ? fromEnv : 0x13_5eed;
  console.info(`hardware codec property tests: seed ${seed} (set HW_CODEC_SEED to repeat another)`);
  return seed;
}
