// One way to create a simulated link for any model: what servo-sim uses, so each model's options go
// through its one schema (link-options.ts checks them without creating anything).

import type { SimModel } from '@servo-edge/firmware-protocol';
import type { SimulatedControllerOptions } from '../config.js';
import { createSimulatedController } from '../controller.js';
import { createDynamixelLink } from './dynamixel-link.js';
import type { LinkOf, LinkOptionsOf } from './link-options.js';
import { createMaestroLink } from './maestro-link.js';
import type { DynamixelLinkOptions, MaestroLinkOptions } from './model-link-options.js';

/** Creates a link of `model`. No I/O until start(). Throws ConfigError (CONFIG_INVALID) for bad options. */
export function createSimulatedLink<M extends SimModel>(model: M, options: LinkOptionsOf<M>): LinkOf<M> {
  switch (model) {
    case 'maestro':
      return createMaestroLink(options as MaestroLinkOptions) as LinkOf<M>;
    case 'dynamixel':
      return createDynamixelLink(options as DynamixelLinkOptions) as LinkOf<M>;
    default:
      return createSimulatedController(options as SimulatedControllerOptions) as LinkOf<M>;
  }
}
