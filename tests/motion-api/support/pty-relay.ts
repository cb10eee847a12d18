// A simulated controller on a real pseudo-terminal, for the pty leg of the integration tests:
// socat creates the pty (linked at linkPath) and relays it over stdio to the controller's public
// attach() endpoint. An unplug removes the pty (an open port sees EIO); a replug makes a new one.
// (The simulator's own PtyServer is not exported from @servo-edge/simulator; this is the same idea.)

import { type ChildProcess, spawn } from 'node:child_process';
import { unlink } from 'node:fs/promises';
import type { Attachment, SimulatedController } from '@servo-edge/simulator';

const READY_MARK = 'starting data transfer loop';
const START_TIMEOUT_MS = 5000;

export class PtyRelay {
  private child: ChildProcess | undefined;
  private attachment: Attachment | undefined;
  private closed = false;
  private current: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(
    readonly controller: SimulatedController,
    readonly linkPath: string,
  ) {
    this.unsubscribe = controller.onPlugChange((pluggedIn) => {
      if (pluggedIn && !this.closed) this.current = this.spawnRelay();
    });
  }

  start(): Promise<void> {
    this.current = this.spawnRelay();
    return this.current;
  }

  /** Resolves once the latest pty can be opened. */
  ready(): Promise<void> {
    return this.current;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.attachment?.detach();
    await this.stop();
  }

  private async spawnRelay(): Promise<void> {
    await this.stop();
    await unlink(this.linkPath).catch(() => {});
    const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${this.linkPath}`, 'STDIO'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let log = '';
      const timer = setTimeout(
        () => reject(new Error(`socat: no pty after ${START_TIMEOUT_MS} ms: ${log}`)),
        START_TIMEOUT_MS,
      );
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (text: string) => {
        log += text;
        if (log.includes(READY_MARK)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const attachment = this.controller.attach({
      deliver: (bytes) => {
        if (child.stdin && !child.stdin.destroyed) child.stdin.write(bytes);
      },
      unplugged: () => {
        this.attachment = undefined;
        void this.stop();
      },
    });
    this.attachment = attachment;
    child.stdout?.on('data', (bytes: Buffer) => attachment.write(bytes));
    child.stdin?.on('error', () => {});
    child.once('exit', () => attachment.detach());
  }

  private async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(force);
  }
}
