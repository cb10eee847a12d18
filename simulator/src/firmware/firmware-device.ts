// The reference firmware running in simavr: launches the harness (firmware-protocol/firmware/harness)
// on the ELF, waits for its `READY <path>`, and exposes the pty path, the pin-edge log and the
// harness's stdin commands (e-stop input, the reset pin, the USB cable, stats, positions read from the pins).

import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { SimulatorError } from '../errors.js';
import type { ExecutedCommand } from '../types.js';
import { FIRMWARE_ELF_PATH, FIRMWARE_HARNESS_PATH } from './firmware-build.js';

export interface FirmwareDeviceOptions {
  /** The firmware ELF. Default: firmware-protocol/firmware/build/servo-edge.elf. */
  elfPath?: string;
  /** The harness executable. Default: firmware-protocol/firmware/build/servo-edge-harness. */
  harnessPath?: string;
  /** Where to link the pty (like /dev/serial/by-id/...); default: the pty's own /dev/pts path. */
  linkPath?: string;
  /** Record every output pin edge with its cycle time to this file (see readPinEdges). */
  edgesPath?: string;
  /** Simulated home switches on every axis: closed at or below this position (the firmware homes downward). */
  homeSwitchCounts?: number;
  /** Per axis (index 0 = axis 1), overriding homeSwitchCounts: a position, or null for no switch. */
  homeSwitches?: (number | null)[];
  /** How long the harness may take to print READY. Default 10000 ms. */
  readyTimeoutMs?: number;
  /** Log every command the firmware executes (the harness's --trace): see `executed`. */
  trace?: boolean;
}

/** The firmware's verbs by number, in the order of core/commands.h (codes.test.ts checks it). */
export const FIRMWARE_VERBS = [
  'HELLO',
  'PING',
  'ENABLE',
  'DISABLE',
  'MOVE',
  'JOG',
  'STOP',
  'HOME',
  'GET',
  'SET',
  'STREAM',
  'RESET',
  'WDOG',
  'ACK',
  'TMOVE',
  'RENEW',
] as const;

/**
 * What the harness measured (`stats`): the longest main-loop pass (simulated time), and how far the
 * simulation lagged the wall clock (it never catches up faster than real time: it lags instead).
 */
export interface FirmwareStats {
  cycles: number;
  loops: number;
  loopMaxUs: number;
  lateMaxUs: number;
  lateTotalUs: number;
}

export class FirmwareDevice {
  private child: ChildProcess | undefined;
  private lines: Interface | undefined;
  private readonly waiters: { match: RegExp; resolve: (line: string) => void }[] = [];
  private closing: Promise<void> | undefined;
  /** The path a client opens, once started. */
  path: string | undefined;
  /** The pty's own /dev/pts path, once started. */
  ptyPath: string | undefined;
  /**
   * With `trace`: every command the firmware executed, in order (HELLO starts a new `session` and is
   * not listed; WDOG and ACK are the session's own and never traced). `args` are not traced: {}.
   */
  readonly executed: ExecutedCommand[] = [];
  private session = 0;

  constructor(private readonly options: FirmwareDeviceOptions = {}) {}

  get edgesPath(): string | undefined {
    return this.options.edgesPath;
  }

  /** Spawns the harness and resolves with the path to open once it prints READY. Throws SIM_PTY_FAILED. */
  async start(): Promise<string> {
    if (this.child)
      throw new SimulatorError('SIM_INVALID_ARGUMENT', 'the firmware device was started already');
    const o = this.options;
    const args = [o.elfPath ?? FIRMWARE_ELF_PATH];
    if (o.linkPath !== undefined) args.push('--link', o.linkPath);
    if (o.edgesPath !== undefined) args.push('--edges', o.edgesPath);
    if (o.trace) args.push('--trace');
    if (o.homeSwitchCounts !== undefined) args.push('--home-switch', String(o.homeSwitchCounts));
    for (const [i, at] of (o.homeSwitches ?? []).entries()) {
      args.push('--home-switch', `${i + 1}:${at === null ? 'none' : at}`);
    }
    const child = spawn(o.harnessPath ?? FIRMWARE_HARNESS_PATH, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    this.lines = createInterface({ input: child.stdout! });
    this.lines.on('line', (line) => {
      if (line.startsWith('EXEC ')) {
        this.traced(line);
        return;
      }
      const at = this.waiters.findIndex((waiter) => waiter.match.test(line));
      if (at >= 0) this.waiters.splice(at, 1)[0]!.resolve(line);
    });
    const exited = new Promise<never>((_resolve, reject) => {
      child.once('error', (error) =>
        reject(new SimulatorError('SIM_PTY_FAILED', `harness: ${error.message}`)),
      );
      child.once('exit', (code) =>
        reject(new SimulatorError('SIM_PTY_FAILED', `harness exited ${code} before READY: ${stderr.trim()}`)),
      );
    });
    exited.catch(() => {});
    const pty = this.nextLine(/^PTY /);
    const ready = this.nextLine(/^READY /);
    const timeoutMs = o.readyTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(new SimulatorError('SIM_PTY_FAILED', `no READY from the harness within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      this.ptyPath = (await Promise.race([pty, exited, timeout])).slice('PTY '.length);
      this.path = (await Promise.race([ready, exited, timeout])).slice('READY '.length);
    } catch (error) {
      await this.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return this.path;
  }

  /** The e-stop input (§Device rule 5): true opens the normally-closed contact, which stops the device. */
  async setEstopInput(active: boolean): Promise<void> {
    await this.command(`estop ${active ? 1 : 0}`, /^OK estop /);
  }

  /** The reset pin: the MCU restarts and emits BOOT (§Device rule 3); the axes stay where they are. */
  async reboot(): Promise<void> {
    await this.command('reboot', /^OK reboot/);
  }

  /**
   * Pulls the USB cable: the pty closes, so a host with the port open sees it disconnect, and the link
   * disappears until replug(). The MCU runs on, as a Mega powered from its own supply with auto-reset
   * disabled does (harness/serial_link.c says why that board). Resolves once the link is gone.
   */
  async unplug(): Promise<void> {
    await this.command('unplug', /^OK unplug/);
    this.ptyPath = undefined;
  }

  /** Plugs the cable in again: a new pty at the same path. Resolves once it can be opened. */
  async replug(): Promise<void> {
    const line = await this.command('replug', /^(OK|ERR) replug/);
    if (!line.startsWith('OK '))
      throw new SimulatorError('SIM_PTY_FAILED', `the harness could not replug: ${line}`);
    this.ptyPath = line.slice('OK replug '.length);
  }

  /**
   * Sends a harness command without waiting for its answer, for callers that cannot wait (the
   * contract suite's synchronous fault hooks); the harness acts on it within a simulated millisecond.
   */
  send(text: 'reboot' | 'estop 0' | 'estop 1'): void {
    if (this.child?.stdin && !this.closing) this.child.stdin.write(`${text}\n`);
  }

  async stats(): Promise<FirmwareStats> {
    const line = await this.command('stats', /^STATS /);
    const field = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(line)?.[1] ?? Number.NaN);
    return {
      cycles: field('cycles'),
      loops: field('loops'),
      loopMaxUs: field('loop_max_us'),
      lateMaxUs: field('late_max_us'),
      lateTotalUs: field('late_total_us'),
    };
  }

  /** The position of `axis` as its pins show it: the step count, or the servo pulse width - 1500 us. */
  async pinPosition(axis: number): Promise<number> {
    const line = await this.command(`pos ${axis}`, new RegExp(`^POS ${axis} `));
    return Number(line.split(' ')[2]);
  }

  /** How many times the firmware executed `seq` (in `session`, default the current one). */
  executionCount(seq: number, session = this.session): number {
    return this.executed.filter((e) => e.seq === seq && e.session === session).length;
  }

  /** Stops the harness (and with it the pty). Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  private async stop(): Promise<void> {
    const child = this.child;
    this.lines?.close();
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end('quit\n');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  private traced(line: string): void {
    const [, verbText, seqText, msText] = line.split(' ');
    const verb = FIRMWARE_VERBS[Number(verbText)];
    if (verb === undefined) return;
    if (verb === 'HELLO') {
      this.session++;
      return;
    }
    if (verb === 'WDOG' || verb === 'ACK') return;
    this.executed.push({ session: this.session, seq: Number(seqText), verb, args: {}, atMs: Number(msText) });
  }

  private nextLine(match: RegExp): Promise<string> {
    return new Promise<string>((resolve) => this.waiters.push({ match, resolve }));
  }

  private async command(text: string, answer: RegExp): Promise<string> {
    const child = this.child;
    if (!child?.stdin || this.closing)
      throw new SimulatorError('SIM_PORT_NOT_OPEN', 'the firmware device is not running');
    const reply = this.nextLine(answer);
    child.stdin.write(`${text}\n`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new SimulatorError('SIM_PORT_NOT_OPEN', `no answer to ${text}`)), 5000);
    });
    try {
      return await Promise.race([reply, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Creates (without starting) the firmware in simavr. */
export function createFirmwareDevice(options: FirmwareDeviceOptions = {}): FirmwareDevice {
  return new FirmwareDevice(options);
}
