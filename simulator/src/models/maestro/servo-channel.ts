// One Maestro servo channel: the pulse width it sends, limited by its speed and acceleration settings.
// Pololu Maestro Servo Controller User's Guide §4.b Channel Settings and §5.e: speed is in
// (0.25 µs)/(10 ms), acceleration in (0.25 µs)/(10 ms)/(80 ms) at the default 20 ms period, 0 means no
// limit, and the output is updated every 10 ms. So per 10 ms update the position moves at most `speed`
// quarter-µs and the speed changes by at most `acceleration / 8` quarter-µs per update; the speed ramps
// down in time to stop at the target ("ramp up until it reaches the maximum speed, then ramp down again
// as position approaches target"). A channel that is off (position 0: no pulses) jumps to its first
// target: "as soon as the servo is turned off, the Maestro has no way of knowing where it is, so it will
// immediately move to any new target" (§5.e Go Home).

/** Every position update is 10 ms apart (the unit of speed). */
export const MAESTRO_UPDATE_MS = 10;
/** Acceleration units are per 80 ms: eight updates. */
const UPDATES_PER_ACCELERATION_UNIT = 8;

/** What a channel does on start-up and on an error (§4.b "On startup or error"). */
export type MaestroHomeSetting = 'off' | 'ignore' | { goToQuarterUs: number };

export interface MaestroChannelSettings {
  /** §4.b Min and Max: targets are clamped to them. Default 992 µs and 2000 µs (§3, Default Settings). */
  minQuarterUs: number;
  maxQuarterUs: number;
  /** Default off: the servo gets no pulses and goes limp. */
  home: MaestroHomeSetting;
  /** Start-up speed and acceleration (default 0 and 0: unlimited). */
  speed: number;
  acceleration: number;
}

export const DEFAULT_MAESTRO_CHANNEL_SETTINGS: MaestroChannelSettings = {
  minQuarterUs: 992 * 4,
  maxQuarterUs: 2000 * 4,
  home: 'off',
  speed: 0,
  acceleration: 0,
};

export class MaestroServoChannel {
  /** Exact output, quarter-µs (Get Position reports it rounded). 0 = no pulses. */
  positionQuarterUs = 0;
  targetQuarterUs = 0;
  /** Signed, quarter-µs per update. */
  private velocity = 0;
  speed: number;
  acceleration: number;

  constructor(readonly settings: MaestroChannelSettings) {
    this.speed = settings.speed;
    this.acceleration = settings.acceleration;
  }

  /** §5.e Set Target: 0 turns the pulses off at once; anything else is clamped to Min..Max (§4.b). */
  setTarget(targetQuarterUs: number): void {
    if (targetQuarterUs === 0) {
      this.off();
      return;
    }
    const clamped = Math.min(
      this.settings.maxQuarterUs,
      Math.max(this.settings.minQuarterUs, targetQuarterUs),
    );
    this.targetQuarterUs = clamped;
    // "Setting the target of a channel that has a speed of 0 and an acceleration 0 will immediately
    // affect the channel's position" (§5.e Set Speed); so does a channel that was off.
    if (this.positionQuarterUs === 0 || (this.speed === 0 && this.acceleration === 0)) {
      this.positionQuarterUs = clamped;
      this.velocity = 0;
    }
  }

  /** Start-up (power on): the home setting, applied without a ramp since nothing is known of the servo (§4.b). */
  powerOn(): void {
    this.speed = this.settings.speed;
    this.acceleration = this.settings.acceleration;
    const home = this.settings.home;
    this.off();
    if (typeof home === 'object') this.setTarget(home.goToQuarterUs);
  }

  /** An error or Go Home: "Off" stops the pulses, "Ignore" leaves the channel, "Go to" ramps there (§4.b). */
  goHome(): void {
    const home = this.settings.home;
    if (home === 'off') this.off();
    else if (home !== 'ignore') this.setTarget(home.goToQuarterUs);
  }

  /** Still moving toward its target under a speed or acceleration limit (§5.e Get Moving State). */
  get moving(): boolean {
    return this.positionQuarterUs !== this.targetQuarterUs;
  }

  /** One 10 ms update. */
  update(): void {
    const distance = this.targetQuarterUs - this.positionQuarterUs;
    if (distance === 0) {
      this.velocity = 0;
      return;
    }
    if (this.speed === 0 && this.acceleration === 0) {
      this.positionQuarterUs = this.targetQuarterUs;
      this.velocity = 0;
      return;
    }
    const direction = Math.sign(distance);
    const limit = this.speed === 0 ? Number.POSITIVE_INFINITY : this.speed;
    if (this.acceleration === 0) {
      this.velocity = direction * limit;
    } else {
      const step = this.acceleration / UPDATES_PER_ACCELERATION_UNIT;
      if (this.velocity * direction < 0) {
        // Still moving away (the target changed): brake first.
        const slower = Math.abs(this.velocity) - step;
        this.velocity = slower > 0 ? Math.sign(this.velocity) * slower : 0;
      } else {
        // The fastest speed from which the remaining distance still allows a stop at this deceleration.
        const canStopFrom = Math.sqrt(2 * step * Math.abs(distance));
        this.velocity = direction * Math.min(Math.abs(this.velocity) + step, canStopFrom, limit);
      }
    }
    const next = this.positionQuarterUs + this.velocity;
    if ((this.targetQuarterUs - next) * direction <= 0) {
      this.positionQuarterUs = this.targetQuarterUs;
      this.velocity = 0;
    } else {
      this.positionQuarterUs = next;
    }
  }

  private off(): void {
    this.targetQuarterUs = 0;
    this.positionQuarterUs = 0;
    this.velocity = 0;
  }
}
