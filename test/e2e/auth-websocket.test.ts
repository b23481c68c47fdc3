import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { gatewayUrl, http, newUser } from './support/http';

function forgeToken(claims: Record<string, unknown>, secret: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

/** Tries the upgrade; resolves with the HTTP status of a refusal, or 101 when it opened. */
async function upgradeStatus(options: { token?: string; query?: string }): Promise<number> {
  return (await upgrade(options)).status;
}

/** Tries the upgrade: the status (101 when it opened) and the body of a refusal. */
function upgrade(options: {
  token?: string;
  query?: string;
}): Promise<{ status: number; body?: { error: string; message: string } }> {
  const url = `${gatewayUrl().replace(/^http/, 'ws')}/jmap/ws${options.query ?? ''}`;
  const headers: Record<string, string> = options.token
    ? { authorization: `Bearer ${options.token}` }
    : {};
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'jmap', { headers });
    socket.once('open', () => {
      socket.close();
      resolve({ status: 101 });
    });
    socket.once('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

describe('access tokens on the WebSocket upgrade', () => {
  it('opens with a live token in the header or the access_token query parameter', async () => {
    const user = await newUser();
    expect(await upgradeStatus({ token: user.accessToken })).toBe(101);
    expect(
      await upgradeStatus({ query: `?access_token=${encodeURIComponent(user.accessToken)}` }),
    ).toBe(101);
  });

  it('refuses missing, malformed, expired and revoked tokens with 401', async () => {
    const secret = process.env.JWT_SECRET!;
    const user = await newUser();
    expect(await upgradeStatus({})).toBe(401);
    expect(await upgradeStatus({ token: 'definitely-not-a-jwt' })).toBe(401);
    const expired = forgeToken(
      { sub: user.id, sid: user.sessionId, typ: 'access', iat: 1_700_000_000, exp: 1_700_000_060 },
      secret,
    );
    expect(await upgradeStatus({ token: expired })).toBe(401);

    expect((await http('POST', '/auth/logout', { token: user.accessToken })).status).toBe(204);
    expect(await upgradeStatus({ token: user.accessToken })).toBe(401);
  });

  it('refuses at once a session the gateway had just confirmed once the auth service ends it', async () => {
    const user = await newUser();
    // Login and refresh replies pass through the gateway, which remembers their sessions as live.
    const rotated = await http('POST', '/auth/refresh', {
      body: { refreshToken: user.refreshToken },
    });
    expect(rotated.status).toBe(200);
    expect(await upgradeStatus({ token: rotated.body.accessToken })).toBe(101);
    // A reused refresh token: the auth service itself ends the session, and tells every gateway.
    const reused = await http('POST', '/auth/refresh', {
      body: { refreshToken: user.refreshToken },
    });
    expect(reused.status).toBe(401);
    expect(await upgradeStatus({ token: rotated.body.accessToken })).toBe(401);
    expect((await http('GET', '/auth/sessions', { token: rotated.body.accessToken })).status).toBe(
      401,
    );
  });

  it('refuses with the same error and message as the HTTP routes (one passport-jwt strategy)', async () => {
    const secret = process.env.JWT_SECRET!;
    const user = await newUser();
    const claims = { sub: user.id, sid: user.sessionId, iat: 1_700_000_000 };
    const tokens = [
      undefined,
      'definitely-not-a-jwt',
      forgeToken({ ...claims, typ: 'access', exp: 1_700_000_060 }, secret),
      forgeToken({ ...claims, typ: 'refresh', exp: 4_000_000_000 }, secret),
      forgeToken({ ...claims, typ: 'access', exp: 4_000_000_000 }, 'another secret'),
    ];
    for (const token of tokens) {
      const refused = await upgrade({ token });
      const viaHttp = await http('GET', '/auth/sessions', { token });
      expect(viaHttp.status).toBe(401);
      expect(refused).toEqual({
        status: 401,
        body: { error: viaHttp.body.error, message: viaHttp.body.message },
      });
    }
  });
});
