// The demo's camera station: when the virtual line's photo-eye fires, it publishes the trigger (with the
// latched belt position) and a label frame for that product, good or with the product's defect.

import type { Clock, EpochMs } from '@servo-edge/common/clock';
import { type CameraTrigger, encodeFrame } from '@servo-edge/common/mqtt';
import {
  encodePng,
  generateLabel,
  type LabelDefect,
  type LabelRecipe,
  type LabelSymbology,
} from '@servo-edge/simulator/labels';

export interface CameraPublisher {
  publish(topic: string, payload: Buffer | string, options: { qos: 0 | 1; retain?: boolean }): Promise<void>;
}

export interface SimulatedCameraOptions {
  publisher: CameraPublisher;
  frameTopic: string;
  triggerTopic: string;
  recipeTopic: string;
  symbology: LabelSymbology;
  /** Which catalogue product the line is running. */
  productIndex: number;
  defects: readonly LabelDefect[];
  /** Frames rendered per defect class (and for good labels); products draw among them. */
  variantsPerClass: number;
  seed: number;
  /** Stamps `capturedAtMs` with the wall clock: the gateway and vision read it. */
  clock: Pick<Clock, 'epochMs'>;
}

export class SimulatedCamera {
  private readonly frames = new Map<LabelDefect, Buffer[]>();
  private recipeValue: LabelRecipe | undefined;
  private captures = 0;

  constructor(private readonly options: SimulatedCameraOptions) {}

  /**
   * Renders every frame up front, so a capture costs a publish and no CPU. Rendering blocks the event
   * loop for seconds: do it before anything time-critical (serial links, watchdogs) runs in this process.
   */
  async render(): Promise<void> {
    const { symbology, productIndex, defects, variantsPerClass, seed } = this.options;
    for (const defect of ['none' as const, ...defects]) {
      const images: Buffer[] = [];
      for (let variant = 0; variant < variantsPerClass; variant++) {
        const label = await generateLabel({
          symbology,
          defect,
          productIndex,
          seed: seed * 1009 + images.length * 31 + defect.length,
        });
        if (defect === 'none' && !this.recipeValue) this.recipeValue = label.recipe;
        images.push(encodePng(label.image));
      }
      this.frames.set(defect, images);
    }
  }

  /** Publishes the recipe (retained) that the rendered labels were made for. */
  async publishRecipe(): Promise<void> {
    await this.options.publisher.publish(this.options.recipeTopic, JSON.stringify(this.recipe), {
      qos: 1,
      retain: true,
    });
  }

  get recipe(): LabelRecipe {
    if (!this.recipeValue) throw new Error('render() first');
    return this.recipeValue;
  }

  /** The photo-eye fired for `productId` whose label has `defect`. */
  async capture(productId: string, defect: LabelDefect, conveyorPositionMm: number): Promise<void> {
    const capturedAtMs = this.options.clock.epochMs();
    const trigger: CameraTrigger = { productId, capturedAtMs, conveyorPositionMm };
    // The trigger goes first: the gateway must be tracking the product before its verdict can arrive.
    await this.options.publisher.publish(this.options.triggerTopic, JSON.stringify(trigger), { qos: 1 });
    await this.publishFrame(productId, defect, capturedAtMs);
  }

  /**
   * A frame with no trigger: the line's vision self-test before production. Vision judges it like any
   * other, and the gateway, which tracks no such product, only counts the verdict.
   */
  async publishFrame(
    productId: string,
    defect: LabelDefect,
    capturedAtMs: EpochMs = this.options.clock.epochMs(),
  ): Promise<void> {
    const images = this.frames.get(defect);
    if (!images) throw new RangeError(`no frames rendered for defect ${defect}`);
    const image = images[this.captures++ % images.length]!;
    const frame = encodeFrame({ productId, capturedAtMs, format: 'png' }, image);
    await this.options.publisher.publish(
      this.options.frameTopic,
      Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength),
      {
        qos: 0,
      },
    );
  }
}
