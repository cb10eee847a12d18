// The protocol contract suites (v1 spoken as v1, and v2) against the simulator, over both transports:
// the in-process serialport binding and a real pty (socat + serialport's native bindings, the same pty
// server servo-sim --pty runs). The suites live in test-support/ so another device can run them.

import { bindingTransport, ptyTransport } from '../test-support/transports.js';
import type { ContractTarget } from './test-support/contract-target.js';
import { describeProtocolV1Contract } from './test-support/protocol-v1-suite.js';
import { describeProtocolV2Contract } from './test-support/protocol-v2-suite.js';

/** The simulator, as a contract target: it has every hook, and runs in this process. */
const targets: ContractTarget[] = [bindingTransport, ptyTransport].map((transport) => ({
  name: transport.name,
  skipReason: transport.skipReason,
  async rig(spec) {
    const rig = await transport.rig(spec);
    return { ...rig, device: rig.controller };
  },
}));

for (const target of targets) {
  describeProtocolV1Contract(target);
  describeProtocolV2Contract(target);
}

// A v1-only device (protocol: 1), for the compatibility tests hosts run against one: it passes the v1
// suite as the v2 device does.
describeProtocolV1Contract({
  name: 'in-process binding, a v1-only device',
  skipReason: undefined,
  async rig(spec) {
    const rig = await bindingTransport.rig({ ...spec, protocol: 1 });
    return { ...rig, device: rig.controller };
  },
});
