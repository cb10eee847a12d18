// What the protocol contract suite needs from a device under test, so the same suite runs against any
// implementation of PROTOCOL.md: the simulator (over its in-process binding and over a pty) today, the
// AVR firmware under simavr (issue #14) next. A target makes rigs; a rig is one powered device on one
// serial path plus the test hooks that device has. A hook a device lacks is declared in `capabilities`
// (with the reason in `capabilityNotes`), and the tests that need it are skipped with that reason
// instead of failing or shrinking silently. What the device says about itself in HELLO is declared in
// `identity`, so the suites hold each implementation to its own datasheet, not to the simulator's.

import type { SerialPortStream } from '@serialport/stream';
import type { SimulatedControllerOptions } from '../../config.js';
import type { ExecutedCommand, FaultInjector } from '../../types.js';

/**
 * The device a test asks for, in the simulator's option vocabulary (axes, queue depth, home switches,
 * protocol, ...). Another implementation builds or configures the nearest device it can and refuses
 * (throws) what it cannot be; each suite documents the few settings it uses.
 */
export type ContractDeviceSpec = Omit<SimulatedControllerOptions, 'id' | 'clock'>;

/** Device-side hooks. Every member is what the simulator's controller has under the same name. */
export interface ContractDevice {
  /** Fault injection: the line, the power, the cable, the axes and the e-stop input. */
  readonly faults: FaultInjector;
  /** Every command the device executed (exactly-once evidence). */
  readonly executed: readonly ExecutedCommand[];
  executionCount(seq: number, session?: number): number;
}

/** Hooks a device may lack; absent means present. */
export interface ContractCapabilities {
  /** executed / executionCount. */
  executedLog?: boolean;
  /** faults.corruptRate, dropRate, duplicateRate and counts. */
  lineFaults?: boolean;
  /** faults.withholdNextReply. */
  withholdReply?: boolean;
  /** faults.stickAxis. */
  jam?: boolean;
  /** faults.setEstopInput. */
  estopInput?: boolean;
  /** faults.unplug and replug. */
  unplug?: boolean;
  /** faults.reboot. */
  reboot?: boolean;
  /** The spec's `protocol: 1` (a v1-only build of the device). */
  v1OnlyBuild?: boolean;
  /** Feature TRIG (§v2 Triggered moves): advertised in HELLO 2's feat=, TMOVE works. */
  triggeredMoves?: boolean;
  /** Feature TSTEP (§v2 Triggered steps): advertised in HELLO 2's feat=, TSTEP works. */
  triggeredSteps?: boolean;
  /** Feature LEASE (§v2 Jog lease): advertised in HELLO 2's feat=, JOG with a lease and RENEW work. */
  jogLease?: boolean;
  /**
   * The device runs in this process, so blocking the event loop stalls it too (the TMOVE timing test
   * stalls it on purpose). A device in its own process or on its own CPU runs on regardless.
   */
  sharesEventLoop?: boolean;
}

/**
 * What a device reports about itself in HELLO (§Commands HELLO; §v2 Negotiation) beyond what the test
 * asked of it (`axes`, `qd` come from the ContractDeviceSpec): its datasheet, declared by the target.
 */
export interface ContractIdentity {
  /** fw=: the firmware version string. */
  fw: string;
  /** rx=: the receive buffer, bytes. */
  rx: number;
  /** win=: the frames a host may have in flight. */
  win: number;
  /** wd=: the watchdog at power-up, ms. */
  wd: number;
  /** ev= in a v2 session: the event buffer, events. */
  ev: number;
}

export interface ContractRig {
  device: ContractDevice;
  /** The path a client opens. */
  path: string;
  /** A new, unopened (autoOpen: false) SerialPortStream to the device. */
  port(): SerialPortStream;
  /** Resolves once the transport has caught up with the last unplug or replug. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export interface ContractTarget {
  name: string;
  /** Why this target cannot run here (socat, simavr missing), or undefined. */
  skipReason: string | undefined;
  /** The HELLO fields the suites expect from every rig of this target. */
  identity: ContractIdentity;
  capabilities?: ContractCapabilities;
  /** Why each capability declared `false` is missing, for the skip's name (a skip always says why). */
  capabilityNotes?: Partial<Record<keyof ContractCapabilities, string>>;
  rig(spec: ContractDeviceSpec): Promise<ContractRig>;
}

/** Whether `target` has `capability` (absent means present). */
export function has(target: ContractTarget, capability: keyof ContractCapabilities): boolean {
  return target.capabilities?.[capability] !== false;
}
