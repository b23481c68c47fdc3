import { JmapClient } from './client';
import { FakeSocket, FakeTimers, flush } from './testing';

const SESSION = {
  capabilities: { 'urn:ietf:params:jmap:websocket': { url: 'ws://server/jmap/ws' } },
  accounts: { u1: { name: 'ann', isPersonal: true, accountCapabilities: {} } },
  primaryAccounts: { 'urn:ietf:params:jmap:chat': 'u1' },
  username: 'ann',
  apiUrl: 'http://server/jmap/api',
  downloadUrl: '',
  uploadUrl: '',
  eventSourceUrl: '',
  state: 's',
};

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('JmapClient', () => {
  let sockets: FakeSocket[];
  let httpCalls: { url: string; auth: string }[];
  let token: string;
  let failNextApi: number | null;

  const client = () =>
    new JmapClient({
      baseUrl: 'http://server',
      tokens: { accessToken: async () => token, refresh: async () => (token = 'fresh') },
      fetch: async (url, init) => {
        const auth = (init.headers as Record<string, string>)['Authorization']!;
        httpCalls.push({ url, auth });
        if (auth !== `Bearer ${token}` || auth === 'Bearer expired') return json(401, {});
        if (url.endsWith('/.well-known/jmap')) return json(200, SESSION);
        if (failNextApi !== null) {
          const status = failNextApi;
          failNextApi = null;
          return json(status, {});
        }
        return json(200, { methodResponses: [['Core/echo', { via: 'http' }, 'c0']] });
      },
      socketFactory: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      push: { timers: new FakeTimers() },
    });

  beforeEach(() => {
    sockets = [];
    httpCalls = [];
    token = 'good';
    failNextApi = null;
  });

  it('uses HTTP while the WebSocket is not open, and the WebSocket once it is', async () => {
    const jmap = client();
    await jmap.start();
    await flush();
    expect(sockets[0]!.url).toBe('ws://server/jmap/ws?access_token=good');
    const viaHttp = await jmap.request([['Core/echo', {}, 'c0']]);
    expect(viaHttp.methodResponses[0]![1]).toEqual({ via: 'http' });

    sockets[0]!.open();
    const viaWs = jmap.request([['Core/echo', {}, 'c0']]);
    const frame = sockets[0]!.sent.at(-1) as { id: string };
    sockets[0]!.receive({
      '@type': 'Response',
      requestId: frame.id,
      methodResponses: [['Core/echo', { via: 'ws' }, 'c0']],
    });
    expect((await viaWs).methodResponses[0]![1]).toEqual({ via: 'ws' });
    jmap.stop();
  });

  it('falls back to HTTP when the WebSocket dies under a request', async () => {
    const jmap = client();
    await jmap.start();
    await flush();
    sockets[0]!.open();
    const pending = jmap.request([['Core/echo', {}, 'c0']]);
    sockets[0]!.drop();
    expect((await pending).methodResponses[0]![1]).toEqual({ via: 'http' });
    jmap.stop();
  });

  it('refreshes the token once on 401 and retries', async () => {
    const jmap = client();
    await jmap.start();
    token = 'rotated-elsewhere';
    const calls = httpCalls.length;
    // The next token read returns the new one, but the server wants 'fresh': 401, refresh, retry.
    token = 'expired';
    await jmap.request([['Core/echo', {}, 'c0']]);
    expect(httpCalls.slice(calls).map((c) => c.auth)).toEqual(['Bearer expired', 'Bearer fresh']);
    jmap.stop();
  });

  it('reports a server error as a transient request error', async () => {
    const jmap = client();
    await jmap.start();
    failNextApi = 503;
    await expect(jmap.request([['Core/echo', {}, 'c0']])).rejects.toMatchObject({
      status: 503,
      transient: true,
    });
    jmap.stop();
  });
});
