// The serialport binding contract (@serialport/bindings-interface) as types. That package's exports map
// hides its declarations from ESM resolution, so they are read off SerialPortStream, which takes a binding.

import type { SerialPortStream } from '@serialport/stream';

export type BindingInterface = ConstructorParameters<typeof SerialPortStream>[0]['binding'];
export type BindingPortInterface = Awaited<ReturnType<BindingInterface['open']>>;
export type OpenOptions = Parameters<BindingInterface['open']>[0];
export type PortInfo = Awaited<ReturnType<BindingInterface['list']>>[number];
export type PortStatus = Awaited<ReturnType<BindingPortInterface['get']>>;
export type SetOptions = Parameters<BindingPortInterface['set']>[0];
export type UpdateOptions = Parameters<BindingPortInterface['update']>[0];
