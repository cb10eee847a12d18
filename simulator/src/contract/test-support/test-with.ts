// `it`, or a skip that says which hook the target lacks: a capability-gated test never passes vacuously.

import { it } from 'vitest';
import { type ContractCapabilities, type ContractTarget, has } from './contract-target.js';

type TestBody = () => Promise<void>;

export function testWith(target: ContractTarget) {
  return (needs: (keyof ContractCapabilities)[]) => {
    const missing = needs.filter((need) => !has(target, need));
    if (missing.length === 0)
      return (name: string, body: TestBody, timeoutMs?: number) => it(name, body, timeoutMs);
    // A target without the hook (the firmware has no jam input and cannot be unplugged from inside):
    // reported as skipped with the missing hook named, never run against a stand-in.
    return (name: string, body: TestBody, _timeoutMs?: number) =>
      it.skip(`${name} (skipped: ${target.name} has no ${missing.join(', ')})`, body);
  };
}
