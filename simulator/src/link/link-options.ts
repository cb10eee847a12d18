// Each model's options, by model: their types, their schemas and one check, so servo-sim can check
// flags against the right schema without loading any device model.

import type { ConfigCheck } from '@servo-edge/common/config';
import type { SimModel } from '@servo-edge/firmware-protocol';
import type { TSchema } from '@sinclair/typebox';
import { checkControllerOptions, type SimulatedControllerOptions } from '../config.js';
import { ControllerOptionsSchema } from '../options-schema.js';
import type { DynamixelLink, MaestroLink, SimulatedController } from '../types.js';
import {
  checkDynamixelLinkOptions,
  checkMaestroLinkOptions,
  type DynamixelLinkOptions,
  DynamixelLinkOptionsSchema,
  type MaestroLinkOptions,
  MaestroLinkOptionsSchema,
} from './model-link-options.js';

/** Each model's options and link. */
export interface LinkModels {
  'servo-edge': { options: SimulatedControllerOptions; link: SimulatedController };
  maestro: { options: MaestroLinkOptions; link: MaestroLink };
  dynamixel: { options: DynamixelLinkOptions; link: DynamixelLink };
}

export type LinkOptionsOf<M extends SimModel> = LinkModels[M]['options'];
export type LinkOf<M extends SimModel> = LinkModels[M]['link'];

/** Each model's options schema (servo-sim checks that every flag names a key of it). */
export const LINK_OPTIONS_SCHEMAS: Readonly<Record<SimModel, TSchema>> = {
  'servo-edge': ControllerOptionsSchema,
  maestro: MaestroLinkOptionsSchema,
  dynamixel: DynamixelLinkOptionsSchema,
};

/** Checks options of `model` without throwing: every problem with its dotted path. */
export function checkLinkOptions(model: SimModel, options: unknown): ConfigCheck<unknown> {
  switch (model) {
    case 'maestro':
      return checkMaestroLinkOptions(options);
    case 'dynamixel':
      return checkDynamixelLinkOptions(options);
    default:
      return checkControllerOptions(options);
  }
}
