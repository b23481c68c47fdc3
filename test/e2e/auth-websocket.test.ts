import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { gatewayUrl, http, newUser } from './support/http';

function forgeToken(claims: Record<string, unknown>, secret: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

/** Tries the upgrade; resolves with the HTTP status of a refusal, or 101 when it opened. */
function upgradeStatus(options: { token?: string; query?: string }): Promise<number> {
  const url = `${gatewayUrl().replace(/^http/, 'ws')}/jmap/ws${options.query ?? ''}`;
  const headers: Record<string, string> = options.token
    ? { authorization: `Bearer ${options.token}` }
    : {};
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'jmap', { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
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
});
