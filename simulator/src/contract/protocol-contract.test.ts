// The protocol contract suites (v1 spoken as v1, and v2) against the simulator, over both transports:
// the in-process serialport binding and a real pty (socat + serialport's native bindings, the same pty
// server servo-sim --pty runs). The suites live in test-support/ so another device can run them.

import { resolveControllerConfig } from '../config.js';
import { bindingTransport, ptyTransport } from '../test-support/transports.js';
import { CONTRACT_SPEC } from './test-support/contract-helpers.js';
import type { ContractIdentity, ContractTarget } from './test-support/contract-target.js';
import { describeProtocolV1Contract } from './test-support/protocol-v1-suite.js';
import { describeProtocolV2Contract } from './test-support/protocol-v2-suite.js';

/** What the simulator says in HELLO when the options leave fw, rx, win, wd and ev at their defaults. */
const config = resolveControllerConfig({ id: 'identity', ...CONTRACT_SPEC });
const identity: ContractIdentity = {
  fw: config.fw,
  rx: config.rxBytes,
  win: config.windowFrames,
  wd: config.watchdogDefaultMs,
  ev: config.eventWindow,
};

/** The simulator, as a contract target: it has every hook, and runs in this process. */
const targets: ContractTarget[] = [bindingTransport, ptyTransport].map((transport) => ({
  name: transport.name,
  skipReason: transport.skipReason,
  identity,
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
  identity,
  async rig(spec) {
    const rig = await bindingTransport.rig({ ...spec, protocol: 1 });
    return { ...rig, device: rig.controller };
  },
});
