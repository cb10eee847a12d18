// Starts the simulated links a motion config names (its `sim://` controllers): a servo-edge controller
// sized to the highest axis the config uses on it, a Maestro with enough channels for its axes, or a
// Dynamixel bus with a servo per axis ID, unless the path says otherwise. The one way the gateway, the
// demo and tests bring them up.

import type { Clock } from '@servo-edge/common/clock';
import { ConfigError, type ConfigProblem } from '@servo-edge/common/config';
import {
  isSimPath,
  parseSimPath,
  SIM_DYNAMIXEL_DEFAULT_MODEL,
  SIM_DYNAMIXEL_MAX_ID,
  SIM_MAESTRO_CHANNEL_COUNTS,
  SIM_MODELS,
  type SimDynamixelServo,
  type SimMaestroChannelCount,
  type SimMaestroSerialMode,
  type SimModel,
  type SimPath,
  simPath,
} from '@servo-edge/firmware-protocol';
import { SimulatorRegistry } from './binding/registry.js';
import { createSimulatorBinding, type SimulatorBinding } from './binding/simulator-binding.js';
import { DEFAULT_AXES, MAX_AXES, type SimulatedControllerOptions } from './config.js';
import { SimulatorError } from './errors.js';
import { createDynamixelLink } from './link/dynamixel-link.js';
import { createMaestroLink } from './link/maestro-link.js';
import type { SimulatedController, SimulatedLink } from './types.js';

/**
 * The part of a motion config (the motion API's, or the gateway's `motion:` section) that says which
 * controllers exist, which driver speaks to each, and which axis numbers each one drives. Structural:
 * the simulator does not import motion-api. An axis number is the driver's own address: the servo-edge
 * axis (1-based, as on the wire: PROTOCOL.md §Commands "Axis numbers run 1..axes"), the Maestro channel
 * (0-23, as printed on the board), the Dynamixel ID (0-252).
 */
export interface MotionControllersConfig {
  controllers: readonly { id: string; path: string; baud?: number; driver?: string }[];
  axes: readonly { controller: string; axis: number }[];
}

interface SpecBase {
  /** The link's id: `<id>` of its `sim://` path. */
  id: string;
  /** The link's canonical path (`sim://<id>`, `sim://maestro/<id>`, ...). */
  path: string;
  /** The controller's id in the motion config (the `controller` its axes name). */
  controller: string;
  baud?: number;
}

/** What to create for one `sim://` controller of a motion config. */
export type SimulatedControllerSpec =
  | (SpecBase & {
      model: 'servo-edge';
      /** The highest axis number the config uses on it; DEFAULT_AXES when no axis refers to it. */
      axisCount: number;
    })
  | (SpecBase & {
      model: 'maestro';
      /** The path's `channels`, else the fewest that hold every channel the config uses (6 if none). */
      channels: SimMaestroChannelCount;
      deviceNumber?: number;
      crc?: boolean;
      serialMode?: SimMaestroSerialMode;
    })
  | (SpecBase & {
      model: 'dynamixel';
      /** The path's `servos`, else one XM430-W350 per ID the config uses (ID 1 if none). */
      servos: SimDynamixelServo[];
    });

/** Settings a caller may add to every controller (or to one); id, axes and baud come from the config. */
export type SimulatedControllerExtras = Omit<SimulatedControllerOptions, 'id' | 'axes' | 'baud' | 'clock'>;

export interface StartSimulatedControllersOptions {
  /** Simulation clock of every link. Default real time; a ManualClock steps them in tests. */
  clock?: Clock;
  /** Add the links to this registry. Default a new one. */
  registry?: SimulatorRegistry;
  /**
   * Settings for every controller (pacing, faults, seed, axisDefaults, ...). A Maestro or Dynamixel link
   * takes the ones it has: pacing, seed and the line faults.
   */
  defaults?: SimulatedControllerExtras;
  /** Settings for one controller, by its id in the motion config, over `defaults`. */
  perController?: Readonly<Record<string, SimulatedControllerExtras>>;
}

export interface SimulatedControllers {
  registry: SimulatorRegistry;
  /** The serialport binding that opens their `sim://` paths (the motion API's `simulatorBinding`). */
  binding: SimulatorBinding;
  /** The servo-edge controllers, started, in the config's order. */
  controllers: SimulatedController[];
  /** Every link (servo-edge controllers, Maestros, Dynamixel buses), started, in the config's order. */
  links: SimulatedLink[];
  /** Closes the links this call started and takes them out of the registry. Idempotent. */
  close(): Promise<void>;
}

/**
 * One spec per `sim://` controller of `config`, in its order; other paths are left to real ports. The
 * model is the one the path names (`sim://maestro/<id>`), else the controller's `driver`, else
 * servo-edge. Throws ConfigError (CONFIG_INVALID, problems at `controllers[i].path` or `.driver`) for a
 * path that does not parse or names another model than the driver, and SIM_TOO_MANY_AXES for an axis
 * number the simulated device cannot have (a servo-edge axis above MAX_AXES, a Maestro channel above
 * 23, a Dynamixel ID above 252).
 */
export function simulatedControllerSpecs(config: MotionControllersConfig): SimulatedControllerSpec[] {
  const specs: SimulatedControllerSpec[] = [];
  const problems: ConfigProblem[] = [];
  config.controllers.forEach((controller, index) => {
    if (!isSimPath(controller.path)) return;
    const at = `controllers[${index}]`;
    const parsed = parseSimPath(controller.path);
    if (!parsed.ok) {
      for (const problem of parsed.problems) problems.push({ ...problem, path: `${at}.path` });
      return;
    }
    const model = modelOf(parsed.value, controller.driver, at, problems);
    if (model === undefined) return;
    const axisNumbers = config.axes.filter((a) => a.controller === controller.id).map((a) => a.axis);
    const base: SpecBase = {
      id: parsed.value.id,
      path: simPath(parsed.value.id, model),
      controller: controller.id,
      ...(controller.baud === undefined ? {} : { baud: controller.baud }),
    };
    const tooMany = (what: string, limit: string) =>
      new SimulatorError(
        'SIM_TOO_MANY_AXES',
        `controller ${controller.id} (${controller.path}) uses ${what}; ${limit}`,
      );
    const path = parsed.value;
    if (model === 'maestro') {
      const settings = path.model === 'maestro' ? path : { model: 'maestro' as const, id: path.id };
      const highest = axisNumbers.length === 0 ? 0 : Math.max(...axisNumbers);
      const fits = SIM_MAESTRO_CHANNEL_COUNTS.find((count) => count > highest);
      if (fits === undefined) {
        throw tooMany(`channel ${highest}`, 'a Maestro has channels 0..23');
      }
      const { model: _model, id: _id, ...rest } = settings;
      specs.push({ ...base, model, channels: settings.channels ?? fits, ...rest });
    } else if (model === 'dynamixel') {
      const highest = axisNumbers.length === 0 ? 0 : Math.max(...axisNumbers);
      if (highest > SIM_DYNAMIXEL_MAX_ID) {
        throw tooMany(`ID ${highest}`, `a Dynamixel ID is 0..${SIM_DYNAMIXEL_MAX_ID}`);
      }
      const ids = axisNumbers.length === 0 ? [1] : [...new Set(axisNumbers)].sort((a, b) => a - b);
      const listed = path.model === 'dynamixel' ? path.servos : undefined;
      specs.push({
        ...base,
        model,
        servos: listed ?? ids.map((id) => ({ id, model: SIM_DYNAMIXEL_DEFAULT_MODEL })),
      });
    } else {
      const axisCount = axisNumbers.length === 0 ? DEFAULT_AXES : Math.max(...axisNumbers);
      if (axisCount > MAX_AXES) {
        throw tooMany(`axis ${axisCount}`, `a simulated controller has at most ${MAX_AXES}`);
      }
      specs.push({ ...base, model, axisCount });
    }
  });
  if (problems.length > 0) {
    throw new ConfigError('CONFIG_INVALID', problems, { source: 'simulated controllers' });
  }
  return specs;
}

/** The path's model, else the driver's, else servo-edge; a driver that disagrees with the path is a problem. */
function modelOf(
  path: SimPath,
  driver: string | undefined,
  at: string,
  problems: ConfigProblem[],
): SimModel | undefined {
  if (driver !== undefined && !(SIM_MODELS as readonly string[]).includes(driver)) {
    problems.push({
      code: 'CONFIG_BAD_VALUE',
      path: `${at}.driver`,
      message: `there is no simulated device for driver "${driver}"`,
      hint: `one of ${SIM_MODELS.join(', ')}`,
    });
    return undefined;
  }
  if (path.model !== undefined && driver !== undefined && driver !== path.model) {
    problems.push({
      code: 'CONFIG_CONFLICT',
      path: `${at}.path`,
      message: `the path names a ${path.model} but the driver is ${driver}`,
      hint: `set driver: ${path.model}, or use ${simPath(path.id, driver as SimModel)}`,
    });
    return undefined;
  }
  return path.model ?? (driver as SimModel | undefined) ?? 'servo-edge';
}

/** What a Maestro or Dynamixel link takes of the servo-edge extras: pacing, seed and the line faults. */
function linkExtras(extras: SimulatedControllerExtras | undefined) {
  if (!extras) return {};
  const { stuckAxes: _stuck, estopInput: _estop, ...line } = extras.faults ?? {};
  return {
    ...(extras.pacing === undefined ? {} : { pacing: extras.pacing }),
    ...(extras.seed === undefined ? {} : { seed: extras.seed }),
    ...(extras.faults === undefined ? {} : { faults: line }),
  };
}

/**
 * Creates and starts (powers on) a simulated link for every `sim://` controller of `config`.
 * If one fails to start, those already started are closed before the error is rethrown.
 */
export async function startSimulatedControllers(
  config: MotionControllersConfig,
  options: StartSimulatedControllersOptions = {},
): Promise<SimulatedControllers> {
  const specs = simulatedControllerSpecs(config);
  const registry = options.registry ?? new SimulatorRegistry();
  const links: SimulatedLink[] = [];
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const link of links) registry.remove(link.path);
      await Promise.all(links.map((link) => link.close()));
    })();
    return closing;
  };
  try {
    for (const spec of specs) {
      const extras = options.perController?.[spec.controller];
      const shared = {
        id: spec.id,
        ...(spec.baud === undefined ? {} : { baud: spec.baud }),
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      };
      let link: SimulatedLink;
      if (spec.model === 'maestro') {
        const { model: _m, id: _i, path: _p, controller: _c, baud: _b, ...maestro } = spec;
        link = registry.add(
          createMaestroLink({
            ...linkExtras(options.defaults),
            ...linkExtras(extras),
            ...maestro,
            ...shared,
          }),
        );
      } else if (spec.model === 'dynamixel') {
        link = registry.add(
          createDynamixelLink({
            ...linkExtras(options.defaults),
            ...linkExtras(extras),
            servos: spec.servos,
            ...shared,
          }),
        );
      } else {
        link = registry.create({ ...options.defaults, ...extras, ...shared, axes: spec.axisCount });
      }
      links.push(link);
      await link.start();
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    registry,
    binding: createSimulatorBinding(registry),
    controllers: links.filter((link): link is SimulatedController => link.model === 'servo-edge'),
    links,
    close,
  };
}
