// Serves a simulated link (a servo-edge controller, a Maestro, a Dynamixel bus) on a pseudo-terminal:
// socat (Debian package `socat`) creates the pty, links it at linkPath and relays its master side over
// stdio to this process, which puts the bytes on the link's paced line. Any serial program (the gateway with native bindings, pyserial, a
// terminal) can then open linkPath. No native addon is needed.

import { type ChildProcess, spawn } from 'node:child_process';
import { lstat, unlink } from 'node:fs/promises';
import { SimulatorError } from '../errors.js';
import type { Attachment, SimulatedLink } from '../types.js';

export interface PtyServerOptions {
  /** Where the pty's device path is linked (a symlink, like /dev/serial/by-id/...). */
  linkPath: string;
  /** The socat executable. Default `socat` on PATH. */
  socatPath?: string;
  /** How long socat may take to create the pty. Default 5000 ms. */
  readyTimeoutMs?: number;
}

/** socat's stdin buffer bound: beyond it device output is dropped, as a tty with no reader overruns. */
const MAX_PENDING_TO_PTY_BYTES = 64 * 1024;
/** socat prints this (with -d -d) once the pty exists and the relay runs. */
const READY_MARK = 'starting data transfer loop';
const RESPAWN_DELAY_MS = 200;

export class PtyServer {
  readonly linkPath: string;
  private readonly socatPath: string;
  private readonly readyTimeoutMs: number;
  private child: ChildProcess | undefined;
  private attachment: Attachment | undefined;
  private unsubscribe: (() => void) | undefined;
  private closing = false;
  private started = false;
  /** The pty's real device path (/dev/pts/N), once socat reports it. */
  devicePath: string | undefined;
  private current: Promise<void> = Promise.resolve();
  /** If this process exits without close(), take socat down with it rather than orphan it. */
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  constructor(
    readonly link: SimulatedLink,
    options: PtyServerOptions,
  ) {
    this.linkPath = options.linkPath;
    this.socatPath = options.socatPath ?? 'socat';
    this.readyTimeoutMs = options.readyTimeoutMs ?? 5000;
  }

  /** Creates the pty and links it. Resolves once a client can open linkPath. Throws SIM_PTY_FAILED. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    process.once('exit', this.killOnExit);
    this.unsubscribe = this.link.onPlugChange((pluggedIn) => {
      // A replug creates a fresh pty at the same link, as a re-enumerated USB adapter would.
      if (pluggedIn && !this.closing) this.respawn();
    });
    this.current = this.spawnRelay();
    await this.current;
  }

  /** Resolves once the pty has caught up with the last plug change: gone after an unplug, openable after a replug. */
  ready(): Promise<void> {
    return this.current;
  }

  private respawn(): void {
    this.enqueue(() => this.spawnRelay());
  }

  /** Plug changes run one after another, so a slow stop never removes the link of the next pty. */
  private enqueue(task: () => Promise<void>): void {
    this.current = this.current.catch(() => {}).then(task);
    this.current.catch(() => {});
  }

  /** Removes the pty and its link. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    process.off('exit', this.killOnExit);
    this.unsubscribe?.();
    this.attachment?.detach();
    this.attachment = undefined;
    // Let a spawn in progress finish (it will not attach while closing), then take the relay down.
    await this.current.catch(() => {});
    await this.stopRelay();
  }

  private async spawnRelay(): Promise<void> {
    await this.stopRelay();
    await this.removeStaleLink();
    if (this.closing) return;
    const child = spawn(this.socatPath, ['-d', '-d', `pty,raw,echo=0,link=${this.linkPath}`, 'STDIO'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    const ready = new Promise<void>((resolve, reject) => {
      let log = '';
      let settled = false;
      const timer = setTimeout(() => {
        fail(`socat did not create the pty within ${this.readyTimeoutMs} ms: ${log.trim()}`);
      }, this.readyTimeoutMs);
      const fail = (detail: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new SimulatorError('SIM_PTY_FAILED', detail));
      };
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (text: string) => {
        if (log.length < 4096) log += text;
        const pty = /PTY is (\S+)/.exec(log);
        if (pty) this.devicePath = pty[1];
        if (!settled && log.includes(READY_MARK)) {
          settled = true;
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (error) => fail(`${this.socatPath}: ${error.message}`));
      child.once('exit', (code, signal) => fail(`socat exited (${signal ?? code}): ${log.trim()}`));
    });
    await ready;
    if (this.closing || this.child !== child) return;
    this.attachment = this.link.attach({
      deliver: (bytes) => {
        const stdin = child.stdin;
        if (!stdin || stdin.destroyed || stdin.writableLength > MAX_PENDING_TO_PTY_BYTES) return;
        stdin.write(bytes);
      },
      // The cable was pulled: remove the pty, so an open client sees EIO and the link disappears.
      unplugged: () => {
        this.attachment = undefined;
        this.enqueue(() => this.stopRelay());
      },
    });
    const attachment = this.attachment;
    child.stdout?.on('data', (bytes: Buffer) => attachment.write(bytes));
    child.stdin?.on('error', () => {});
    child.once('exit', () => {
      attachment.detach();
      if (this.attachment === attachment) this.attachment = undefined;
      if (this.child !== child) return; // stopped on purpose
      // socat died on its own: bring the pty back, as long as the cable is meant to be in.
      this.child = undefined;
      if (!this.closing && this.link.status.pluggedIn) {
        setTimeout(() => this.respawn(), RESPAWN_DELAY_MS);
      }
    });
  }

  private async stopRelay(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    // socat removes its link on SIGTERM; give it a bounded time, then force it.
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
    await this.removeStaleLink();
  }

  /** A symlink left by a killed relay is removed; anything else at linkPath is refused. */
  private async removeStaleLink(): Promise<void> {
    let stat: Awaited<ReturnType<typeof lstat>>;
    try {
      stat = await lstat(this.linkPath);
    } catch {
      return;
    }
    if (!stat.isSymbolicLink()) {
      throw new SimulatorError(
        'SIM_PTY_FAILED',
        `${this.linkPath} exists and is not a symlink; not replacing it`,
      );
    }
    await unlink(this.linkPath).catch(() => {});
  }
}

/** Creates a pty server for `link` (no I/O until start()). The link must be started first. */
export function createPtyServer(link: SimulatedLink, options: PtyServerOptions): PtyServer {
  return new PtyServer(link, options);
}
