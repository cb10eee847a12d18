// `sim://` controllers for `servo-edge --config`: they run in this process, so a config can be tried
// without hardware. The simulator is loaded only when the config names one, so a plant on real serial
// ports does not pay for it in memory. Besides the demo, this is the one production module that may
// load the simulator (tests/architecture/architecture.test.ts).

import { isSimPath } from '@servo-edge/firmware-protocol';
import type { SerialBinding } from '@servo-edge/motion-api';

/** The motion section's controllers and axes (axis numbers 1-based, as on the wire). */
export interface SimControllersConfig {
  controllers: readonly { id: string; path: string; baud?: number }[];
  axes: readonly { controller: string; axis: number }[];
}

export interface RunningSimControllers {
  /** For createGateway's `simulatorBinding`. */
  binding: SerialBinding;
  /** Closes the simulated controllers. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a simulated controller for every `sim://` controller of the motion section, each with as many
 * axes as the highest axis number the section uses on it. Resolves undefined (and loads nothing) when
 * there is none. Rejects with SIM_TOO_MANY_AXES for an axis above the simulator's limit.
 */
export async function startSimControllers(
  motion: SimControllersConfig,
): Promise<RunningSimControllers | undefined> {
  if (!motion.controllers.some((controller) => isSimPath(controller.path))) return undefined;
  const { startSimulatedControllers } = await import('@servo-edge/simulator');
  const sims = await startSimulatedControllers(motion);
  return { binding: sims.binding, close: sims.close };
}
