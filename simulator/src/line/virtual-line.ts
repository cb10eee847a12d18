// The virtual packaging line: products ride the simulated conveyor's encoder position past the camera
// to the reject arm, and the line records which bin each one really ends up in.

import type { Clock } from '@servo-edge/common/clock';
import { seededRandom } from '@servo-edge/firmware-protocol/testing';
import type { LabelDefect } from '../labels/types.js';
import { checkLineConfig, DEFAULT_LINE_CONFIG, type VirtualLineConfig } from './line-config.js';

export interface LineProduct {
  id: string;
  defect: LabelDefect;
  /** Belt position (mm) when the infeed placed it; its position is belt travel since then. */
  spawnBeltMm: number;
  spawnedAtMs: number;
  capturedAtMs?: number;
  /** Conveyor encoder counts when the product's centre crossed the camera trigger. */
  capturedConveyorCounts?: number;
  bin?: 'rejected' | 'passed';
  binnedAtMs?: number;
}

export interface LineSummary {
  produced: number;
  onBelt: number;
  defective: number;
  rejected: number;
  passed: number;
  /** Defective products that reached the good bin. */
  missedDefectIds: string[];
  /** Good products that were pushed into the reject bin. */
  falseRejectIds: string[];
}

export interface VirtualLineOptions {
  clock: Clock;
  config?: Partial<VirtualLineConfig>;
  /** Reads the conveyor axis's encoder, counts. */
  readConveyorCounts(): number;
  /** Reads the reject arm axis's position, counts. */
  readRejectArmCounts(): number;
  /** The camera fires: the product's centre is at cameraPositionMm. */
  onCapture(product: LineProduct, conveyorCounts: number): void;
}

export class VirtualLine {
  readonly config: VirtualLineConfig;
  private readonly random: () => number;
  private readonly belt: LineProduct[] = [];
  private readonly rejectedBin: LineProduct[] = [];
  private readonly passedBin: LineProduct[] = [];
  private producedCount = 0;
  private lastSpawnBeltMm: number | undefined;
  private cancelTimer: (() => void) | undefined;
  private running = false;

  constructor(private readonly options: VirtualLineOptions) {
    this.config = { ...DEFAULT_LINE_CONFIG, ...options.config };
    const problems = checkLineConfig(this.config);
    if (problems.length > 0) throw new RangeError(`virtual line config: ${problems.join('; ')}`);
    this.random = seededRandom(this.config.seed);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  close(): void {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  get rejected(): readonly LineProduct[] {
    return this.rejectedBin;
  }
  get passed(): readonly LineProduct[] {
    return this.passedBin;
  }
  get onBelt(): readonly LineProduct[] {
    return this.belt;
  }

  summary(): LineSummary {
    const all = [...this.rejectedBin, ...this.passedBin, ...this.belt];
    return {
      produced: this.producedCount,
      onBelt: this.belt.length,
      defective: all.filter((p) => p.defect !== 'none').length,
      rejected: this.rejectedBin.length,
      passed: this.passedBin.length,
      missedDefectIds: this.passedBin.filter((p) => p.defect !== 'none').map((p) => p.id),
      falseRejectIds: this.rejectedBin.filter((p) => p.defect === 'none').map((p) => p.id),
    };
  }

  /** Samples the encoders once. Public so tests can step it without the timer. */
  sample(): void {
    const { config } = this;
    const now = this.options.clock.monotonicMs();
    const conveyorCounts = this.options.readConveyorCounts();
    const beltMm = conveyorCounts / config.conveyorCountsPerMm;
    // 1. Infeed: one product per pitch of belt travel (the belt may stop; then so does the infeed).
    if (this.lastSpawnBeltMm === undefined) this.lastSpawnBeltMm = beltMm - config.productPitchMm;
    while (beltMm - this.lastSpawnBeltMm >= config.productPitchMm) {
      this.lastSpawnBeltMm += config.productPitchMm;
      this.spawn(this.lastSpawnBeltMm, now);
    }
    const armOut = this.options.readRejectArmCounts() >= config.rejectArmOutCounts;
    const halfWindowMm = config.rejectWindowMm / 2;
    for (let i = 0; i < this.belt.length; ) {
      const product = this.belt[i]!;
      const positionMm = beltMm - product.spawnBeltMm;
      // 2. Camera trigger (a photo-eye with an encoder latch, as real lines use).
      if (product.capturedAtMs === undefined && positionMm >= config.cameraPositionMm) {
        product.capturedAtMs = now;
        product.capturedConveyorCounts = Math.round(
          (product.spawnBeltMm + config.cameraPositionMm) * config.conveyorCountsPerMm,
        );
        this.options.onCapture(product, product.capturedConveyorCounts);
      }
      // 3. Reject arm: pushes whatever is in front of it while it is out.
      if (armOut && Math.abs(positionMm - config.rejectPositionMm) <= halfWindowMm) {
        this.bin(i, 'rejected', now);
        continue;
      }
      // 4. End of belt.
      if (positionMm >= config.endPositionMm) {
        this.bin(i, 'passed', now);
        continue;
      }
      i++;
    }
  }

  private spawn(spawnBeltMm: number, now: number): void {
    const { defectRate, defects } = this.config;
    const defect: LabelDefect =
      this.random() < defectRate ? defects[Math.floor(this.random() * defects.length)]! : 'none';
    this.producedCount++;
    this.belt.push({
      id: `P${String(this.producedCount).padStart(6, '0')}`,
      defect,
      spawnBeltMm,
      spawnedAtMs: now,
    });
  }

  private bin(index: number, bin: 'rejected' | 'passed', now: number): void {
    const [product] = this.belt.splice(index, 1);
    product!.bin = bin;
    product!.binnedAtMs = now;
    (bin === 'rejected' ? this.rejectedBin : this.passedBin).push(product!);
  }

  private schedule(): void {
    if (!this.running) return;
    this.cancelTimer = this.options.clock.after(this.config.sampleIntervalMs, () => {
      this.sample();
      this.schedule();
    });
  }
}

export function createVirtualLine(options: VirtualLineOptions): VirtualLine {
  return new VirtualLine(options);
}
