// `it`, or a skip that says which hook the target lacks: a capability-gated test never passes vacuously.

import { it } from 'vitest';
import { type ContractCapabilities, type ContractTarget, has } from './contract-target.js';

type TestBody = () => Promise<void>;

export function testWith(target: ContractTarget) {
  return (needs: (keyof ContractCapabilities)[]) => {
    const missing = needs.filter((need) => !has(target, need));
    if (missing.length === 0)
      return (name: string, body: TestBody, timeoutMs?: number) => it(name, body, timeoutMs);
    // A target that declares the hook missing: reported as skipped with the hook and the target's reason
    // named, never run against a stand-in. The gate is the target's own declaration, nothing else.
    const why = missing
      .map((need) => {
        const note = target.capabilityNotes?.[need];
        return note === undefined ? need : `${need}: ${note}`;
      })
      .join('; ');
    return (name: string, body: TestBody, _timeoutMs?: number) =>
      it.skip(`${name} (skipped: ${target.name} has no ${why})`, body);
  };
}
