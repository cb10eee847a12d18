// Holds simulated controllers by path (sim://<id>), so one binding can open any of them.

import type { SimulatedControllerOptions } from '../config.js';
import { createSimulatedController } from '../controller.js';
import { SimulatorError } from '../errors.js';
import type { SimulatedController } from '../types.js';

export class SimulatorRegistry {
  private readonly controllers = new Map<string, SimulatedController>();

  /** Adds a controller under its path. Throws SIM_DUPLICATE_PATH if the path is taken. */
  add(controller: SimulatedController): SimulatedController {
    if (this.controllers.has(controller.path))
      throw new SimulatorError('SIM_DUPLICATE_PATH', controller.path);
    this.controllers.set(controller.path, controller);
    return controller;
  }

  /** createSimulatedController() + add(). The controller still needs start(). */
  create(options: SimulatedControllerOptions): SimulatedController {
    return this.add(createSimulatedController(options));
  }

  get(path: string): SimulatedController | undefined {
    return this.controllers.get(path);
  }

  /** Forgets a controller (it is not closed). */
  remove(path: string): boolean {
    return this.controllers.delete(path);
  }

  list(): SimulatedController[] {
    return [...this.controllers.values()];
  }

  /** Closes every controller and empties the registry. Idempotent. */
  async closeAll(): Promise<void> {
    const all = this.list();
    this.controllers.clear();
    await Promise.all(all.map((controller) => controller.close()));
  }
}
