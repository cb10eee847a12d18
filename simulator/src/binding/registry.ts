// Holds simulated links by id, so one binding can open any of them by a path that names it: `sim://<id>`,
// or `sim://<model>/<id>` with or without settings after `?` (parsed by firmware-protocol's sim-path).

import { parseSimPath } from '@servo-edge/firmware-protocol';
import type { SimulatedControllerOptions } from '../config.js';
import { createSimulatedController } from '../controller.js';
import { SimulatorError } from '../errors.js';
import type { SimulatedController, SimulatedLink } from '../types.js';

export class SimulatorRegistry {
  private readonly links = new Map<string, SimulatedLink>();

  /** Adds a link under its id. Throws SIM_DUPLICATE_PATH if a link with that id is there already. */
  add<L extends SimulatedLink>(link: L): L {
    if (this.links.has(link.id)) throw new SimulatorError('SIM_DUPLICATE_PATH', link.path);
    this.links.set(link.id, link);
    return link;
  }

  /** createSimulatedController() + add(). The controller still needs start(). */
  create(options: SimulatedControllerOptions): SimulatedController {
    return this.add(createSimulatedController(options));
  }

  /**
   * The link a path opens: `sim://<id>` reaches the link with that id whatever its model;
   * `sim://<model>/<id>?...` only a link of that model. Undefined for any other path.
   */
  get(path: string): SimulatedLink | undefined {
    const parsed = parseSimPath(path);
    if (!parsed.ok) return undefined;
    const link = this.links.get(parsed.value.id);
    const model = parsed.value.model;
    return link && (model === undefined || model === link.model) ? link : undefined;
  }

  /** get(), for a servo-edge controller only (test readback: axes, executed commands). */
  controller(path: string): SimulatedController | undefined {
    const link = this.get(path);
    return link?.model === 'servo-edge' ? (link as SimulatedController) : undefined;
  }

  /** Forgets a link (it is not closed). */
  remove(path: string): boolean {
    const link = this.get(path);
    return link ? this.links.delete(link.id) : false;
  }

  /** Every link, in the order added. */
  list(): SimulatedLink[] {
    return [...this.links.values()];
  }

  /** Closes every link and empties the registry. Idempotent. */
  async closeAll(): Promise<void> {
    const all = this.list();
    this.links.clear();
    await Promise.all(all.map((link) => link.close()));
  }
}
