// A TCP relay between one browser page and the gateway that the test can cut, as a closed laptop lid or
// a lost Wi-Fi link would: after cut() nothing more from that page reaches the gateway, not even a
// keepalive request sent from pagehide (the browser sends those itself, past any page.route()).

import { connect, createServer, type Server, type Socket } from 'node:net';

export interface NetworkCut {
  /** http://127.0.0.1:<relay port>/... for the gateway's `url`: the same paths, through the relay. */
  url(path: string): string;
  /** Ends every relayed connection and refuses new ones. Idempotent. */
  cut(): Promise<void>;
  /** Connections relayed so far (a page that bypassed the relay would show 0). */
  readonly connections: number;
  /** Connections open now. */
  readonly openConnections: number;
  /** The most connections the page held open at once (chromium allows 6 per host for HTTP/1.1). */
  readonly peakConnections: number;
}

/** Listens on 127.0.0.1, port 0, and relays every connection to `target` (the gateway's http URL). */
export async function createNetworkCut(target: string): Promise<NetworkCut> {
  const { hostname, port } = new URL(target);
  const live = new Set<Socket>();
  let connections = 0;
  let open = 0;
  let peakConnections = 0;
  let cutDone: Promise<void> | undefined;
  const server: Server = createServer((client) => {
    connections += 1;
    open += 1;
    peakConnections = Math.max(peakConnections, open);
    let ended = false;
    const upstream = connect({ host: hostname, port: Number(port) });
    live.add(client);
    live.add(upstream);
    const end = () => {
      if (!ended) open -= 1;
      ended = true;
      client.destroy();
      upstream.destroy();
      live.delete(client);
      live.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay has no TCP address');
  return {
    url: (path) => `http://127.0.0.1:${address.port}${path}`,
    get connections() {
      return connections;
    },
    get openConnections() {
      return open;
    },
    get peakConnections() {
      return peakConnections;
    },
    cut() {
      cutDone ??= new Promise<void>((resolve) => {
        // close() stops accepting at once and calls back when the last connection is gone.
        server.close(() => resolve());
        for (const socket of live) socket.destroy();
        live.clear();
      });
      return cutDone;
    },
  };
}
