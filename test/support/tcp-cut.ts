// A TCP relay in front of a real server that a test can cut and restore: a store "going down"
// for one system under test, without touching the server every other test shares.
import net from 'node:net';

export interface TcpCut {
  /** The relay's URL: `url` with host and port replaced. */
  readonly url: string;
  /** Drops every open connection and refuses new ones (as a dead server would). */
  cut(): void;
  /** Accepts and relays again. */
  restore(): void;
  close(): Promise<void>;
}

export async function tcpCut(targetUrl: string): Promise<TcpCut> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port);
  const sockets = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, target.hostname);
    sockets.add(client).add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relayed = new URL(targetUrl);
  relayed.hostname = '127.0.0.1';
  relayed.port = String((server.address() as net.AddressInfo).port);
  const cut = (): void => {
    down = true;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  return {
    url: relayed.toString(),
    cut,
    restore() {
      down = false;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
