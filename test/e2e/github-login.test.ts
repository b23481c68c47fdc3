import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../scripts/lib/processes.cjs';
import { startSystem, type System } from '../support/system';
import { cookiesOf, http, jmap } from './support/http';

/**
 * A stand-in for GitHub's OAuth web flow and user API on loopback: it checks the
 * client credentials and the PKCE verifier exactly as GitHub does.
 */
class FakeGithub {
  readonly server: Server;
  private readonly codes = new Map<string, { challenge: string; redirectUri: string }>();
  private readonly tokens = new Set<string>();
  user = { id: 4242, login: 'octo', name: 'Octo Cat' as string | null };
  emails = [{ email: `octo-${Date.now()}@example.test`, primary: true, verified: true }];

  constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
  ) {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, body, location }) => {
          if (location) res.writeHead(302, { location }).end();
          else
            res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        },
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    });
  }

  url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(
    req: IncomingMessage,
  ): Promise<{ status: number; body?: unknown; location?: string }> {
    const url = new URL(req.url ?? '/', this.url());
    if (url.pathname === '/login/oauth/authorize') {
      if (url.searchParams.get('client_id') !== this.clientId)
        return { status: 400, body: { error: 'bad client' } };
      if (url.searchParams.get('code_challenge_method') !== 'S256')
        return { status: 400, body: { error: 'no pkce' } };
      const code = randomBytes(8).toString('hex');
      const redirectUri = url.searchParams.get('redirect_uri')!;
      this.codes.set(code, { challenge: url.searchParams.get('code_challenge')!, redirectUri });
      const back = new URL(redirectUri);
      back.search = new URLSearchParams({ code, state: url.searchParams.get('state')! }).toString();
      return { status: 302, location: back.toString() };
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, string>;
      const pending = this.codes.get(body['code'] ?? '');
      this.codes.delete(body['code'] ?? '');
      const verifier = createHash('sha256')
        .update(body['code_verifier'] ?? '')
        .digest('base64url');
      if (
        !pending ||
        body['client_id'] !== this.clientId ||
        body['client_secret'] !== this.clientSecret ||
        verifier !== pending.challenge ||
        body['redirect_uri'] !== pending.redirectUri
      ) {
        return { status: 200, body: { error: 'bad_verification_code' } };
      }
      const token = randomBytes(12).toString('hex');
      this.tokens.add(token);
      return { status: 200, body: { access_token: token, token_type: 'bearer' } };
    }
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!this.tokens.has(token)) return { status: 401, body: { message: 'Bad credentials' } };
    if (url.pathname === '/user') return { status: 200, body: this.user };
    if (url.pathname === '/user/emails') return { status: 200, body: this.emails };
    return { status: 404, body: {} };
  }
}

/** Follows the provider's redirect back to our callback, as a browser would. */
async function loginThrough(system: System): Promise<{ status: number; body: any }> {
  const start = await http('GET', '/auth/oauth/github', { base: system.url });
  if (start.status !== 302) throw new Error(`start: ${start.status} ${start.text}`);
  const authorize = await fetch(start.headers.get('location')!, { redirect: 'manual' });
  const callback = new URL(authorize.headers.get('location')!);
  return http('GET', `${callback.pathname}${callback.search}`, {
    base: system.url,
    headers: { cookie: cookiesOf(start) },
  });
}

describe('login with GitHub (OAuth2 + PKCE, user API)', () => {
  const github = new FakeGithub('gh-client', 'gh-secret');
  let system: System;

  beforeAll(async () => {
    await new Promise<void>((resolve) => github.server.listen(0, '127.0.0.1', resolve));
    system = await startSystem({
      apps: ['gateway', 'auth', 'rbac'],
      port: await freePort(),
      env: {
        GITHUB_CLIENT_ID: 'gh-client',
        GITHUB_CLIENT_SECRET: 'gh-secret',
        GITHUB_BASE_URL: github.url(),
        GITHUB_API_URL: github.url(),
      },
    });
    await system.waitForServices(['auth']);
  });

  afterAll(async () => {
    await system?.stopAll();
    await new Promise((resolve) => github.server.close(resolve));
  });

  it('creates the user from the verified primary email and logs them in again later', async () => {
    const first = await loginThrough(system);
    expect(first.status).toBe(200);
    const session = await http('GET', '/.well-known/jmap', {
      token: first.body.accessToken,
      base: system.url,
    });
    const userId = Object.keys(session.body.accounts)[0]!;
    const me = await jmap(first.body.accessToken, [['User/get', { accountId: userId }, 'g']], {
      base: system.url,
    });
    expect(me.body.methodResponses[0]![1].list[0]).toMatchObject({
      email: github.emails[0]!.email,
      displayName: 'Octo Cat',
      authProvider: 'github',
      authProviderId: '4242',
    });

    const second = await loginThrough(system);
    const again = await http('GET', '/.well-known/jmap', {
      token: second.body.accessToken,
      base: system.url,
    });
    expect(Object.keys(again.body.accounts)).toEqual([userId]);
  });

  it('links to an existing local account with the same verified email', async () => {
    const email = `linked-${Date.now()}@example.test`;
    const local = await http('POST', '/auth/register', {
      base: system.url,
      body: { email, password: 'linked-password-9', displayName: 'Linked' },
    });
    expect(local.status).toBe(201);
    github.user = { id: 777, login: 'linked', name: null };
    github.emails = [{ email, primary: true, verified: true }];
    const login = await loginThrough(system);
    expect(login.status).toBe(200);
    const session = await http('GET', '/.well-known/jmap', {
      token: login.body.accessToken,
      base: system.url,
    });
    expect(Object.keys(session.body.accounts)).toEqual([local.body.id]);
  });

  it('refuses an identity without a verified email', async () => {
    github.user = { id: 999, login: 'nomail', name: 'No Mail' };
    github.emails = [
      { email: `unverified-${Date.now()}@example.test`, primary: true, verified: false },
    ];
    const login = await loginThrough(system);
    expect(login.status).toBe(403);
  });
});
