// The relay the close-tab browser test cuts: bytes pass both ways until cut(), then every relayed
// connection ends and new ones are refused, so nothing more from the page can reach the gateway.

import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createNetworkCut } from './network-cut.js';

let echo: Server | undefined;

async function startEcho(): Promise<string> {
  const server = createServer((socket) => socket.pipe(socket));
  echo = server;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('echo server has no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

async function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await once(socket, 'connect');
  return socket;
}

async function roundTrip(socket: Socket, text: string): Promise<string> {
  socket.write(text);
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  return chunk.toString();
}

afterEach(async () => {
  if (echo) await new Promise((resolve) => echo?.close(resolve));
  echo = undefined;
});

describe('network cut relay', () => {
  it('relays both ways until cut, then ends its connections and refuses new ones', async () => {
    const network = await createNetworkCut(await startEcho());
    const first = await open(network.url('/'));
    const second = await open(network.url('/'));
    await expect(roundTrip(first, 'renew')).resolves.toBe('renew');
    await expect(roundTrip(second, 'feed')).resolves.toBe('feed');
    expect(network.connections).toBe(2);
    expect(network.peakConnections).toBe(2);

    const closed = Promise.all([once(first, 'close'), once(second, 'close')]);
    await network.cut();
    await closed;
    const refused = connect({ host: '127.0.0.1', port: Number(new URL(network.url('/')).port) });
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
    // Idempotent: a second cut is the same cut.
    await network.cut();
    expect(network.connections).toBe(2);
  });

  it('counts the connections open at once, not only all it relayed', async () => {
    const network = await createNetworkCut(await startEcho());
    for (const text of ['a', 'b', 'c']) {
      const socket = await open(network.url('/'));
      await expect(roundTrip(socket, text)).resolves.toBe(text);
      socket.destroy();
      // The relay sees the close a moment after the client does.
      await expect.poll(() => network.openConnections).toBe(0);
    }
    expect(network.peakConnections).toBe(1);
    expect(network.connections).toBe(3);
    await network.cut();
  });
});
