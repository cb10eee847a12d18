// Starts the simulated controllers a motion config names (its `sim://<id>` controllers), each sized to
// the highest axis the config uses on it: the one way the gateway, the demo and tests bring them up.

import type { Clock } from '@servo-edge/common/clock';
import { SIM_PATH_PREFIX, simControllerId } from '@servo-edge/firmware-protocol';
import { SimulatorRegistry } from './binding/registry.js';
import { createSimulatorBinding, type SimulatorBinding } from './binding/simulator-binding.js';
import { DEFAULT_AXES, MAX_AXES, type SimulatedControllerOptions } from './config.js';
import { SimulatorError } from './errors.js';
import type { SimulatedController } from './types.js';

/**
 * The part of a motion config (the motion API's, or the gateway's `motion:` section) that says which
 * controllers exist and which axis numbers each one drives. Structural: the simulator does not import
 * motion-api. Axis numbers are 1-based, as on the wire (PROTOCOL.md §Commands: "Axis numbers run
 * 1..axes"), so axis 6 needs a controller with at least 6 axes.
 */
export interface MotionControllersConfig {
  controllers: readonly { id: string; path: string; baud?: number }[];
  axes: readonly { controller: string; axis: number }[];
}

/** What to create for one `sim://` controller of a motion config. */
export interface SimulatedControllerSpec {
  /** The simulated controller's id: `<id>` of its `sim://<id>` path. */
  id: string;
  path: string;
  /** The controller's id in the motion config (the `controller` its axes name). */
  controller: string;
  /** The highest axis number the config uses on it; DEFAULT_AXES when no axis refers to it. */
  axisCount: number;
  baud?: number;
}

/** Settings a caller may add to every controller (or to one); id, axes and baud come from the config. */
export type SimulatedControllerExtras = Omit<SimulatedControllerOptions, 'id' | 'axes' | 'baud' | 'clock'>;

export interface StartSimulatedControllersOptions {
  /** Simulation clock of every controller. Default real time; a ManualClock steps them in tests. */
  clock?: Clock;
  /** Add the controllers to this registry. Default a new one. */
  registry?: SimulatorRegistry;
  /** Settings for every controller (pacing, faults, seed, axisDefaults, ...). */
  defaults?: SimulatedControllerExtras;
  /** Settings for one controller, by its id in the motion config, over `defaults`. */
  perController?: Readonly<Record<string, SimulatedControllerExtras>>;
}

export interface SimulatedControllers {
  registry: SimulatorRegistry;
  /** The serialport binding that opens their `sim://` paths (the motion API's `simulatorBinding`). */
  binding: SimulatorBinding;
  /** Started, in the config's order. */
  controllers: SimulatedController[];
  /** Closes the controllers this call started and takes them out of the registry. Idempotent. */
  close(): Promise<void>;
}

/**
 * One spec per `sim://` controller of `config`, in its order; other paths are left to real ports.
 * Throws SIM_TOO_MANY_AXES when the config uses an axis number above MAX_AXES on a simulated controller.
 */
export function simulatedControllerSpecs(config: MotionControllersConfig): SimulatedControllerSpec[] {
  const specs: SimulatedControllerSpec[] = [];
  for (const controller of config.controllers) {
    const id = simControllerId(controller.path);
    if (id === undefined) continue;
    const axisNumbers = config.axes.filter((a) => a.controller === controller.id).map((a) => a.axis);
    const axisCount = axisNumbers.length === 0 ? DEFAULT_AXES : Math.max(...axisNumbers);
    if (axisCount > MAX_AXES) {
      throw new SimulatorError(
        'SIM_TOO_MANY_AXES',
        `controller ${controller.id} (${controller.path}) uses axis ${axisCount}; a simulated controller has at most ${MAX_AXES}`,
      );
    }
    specs.push({
      id,
      path: `${SIM_PATH_PREFIX}${id}`,
      controller: controller.id,
      axisCount,
      ...(controller.baud === undefined ? {} : { baud: controller.baud }),
    });
  }
  return specs;
}

/**
 * Creates and starts (powers on) a simulated controller for every `sim://` controller of `config`.
 * If one fails to start, those already started are closed before the error is rethrown.
 */
export async function startSimulatedControllers(
  config: MotionControllersConfig,
  options: StartSimulatedControllersOptions = {},
): Promise<SimulatedControllers> {
  const specs = simulatedControllerSpecs(config);
  const registry = options.registry ?? new SimulatorRegistry();
  const controllers: SimulatedController[] = [];
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const controller of controllers) registry.remove(controller.path);
      await Promise.all(controllers.map((controller) => controller.close()));
    })();
    return closing;
  };
  try {
    for (const spec of specs) {
      const controller = registry.create({
        ...options.defaults,
        ...options.perController?.[spec.controller],
        id: spec.id,
        axes: spec.axisCount,
        ...(spec.baud === undefined ? {} : { baud: spec.baud }),
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      });
      controllers.push(controller);
      await controller.start();
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { registry, binding: createSimulatorBinding(registry), controllers, close };
}
