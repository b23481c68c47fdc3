import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { freePort } from '../../scripts/lib/processes.cjs';
import { startSystem, type System } from '../support/system';
import { cookiesOf, http, jmap } from './support/http';

const CLIENT_ID = 'jchat-e2e';
const CLIENT_SECRET = 'jchat-e2e-secret-jchat-e2e-secret';

async function startOidcProvider(redirectUri: string, account: Record<string, unknown>) {
  const child = spawn(
    process.execPath,
    [path.join(__dirname, '..', 'support', 'oidc-provider.mjs')],
    {
      env: {
        ...process.env,
        OIDC_TEST_CLIENT_ID: CLIENT_ID,
        OIDC_TEST_CLIENT_SECRET: CLIENT_SECRET,
        OIDC_TEST_REDIRECT_URIS: redirectUri,
        OIDC_TEST_ACCOUNT: JSON.stringify(account),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`OIDC provider exited with ${code}`)));
  });
  return { child, issuer: (JSON.parse(line) as { issuer: string }).issuer };
}

/** A browser's cookie jar, just enough for the provider's interaction cookies. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** Follows redirects like a browser until one points at `stopAt`; returns that URL. */
async function followUntil(start: string, stopAt: string): Promise<string> {
  const jar = new CookieJar();
  let url = start;
  for (let hop = 0; hop < 10; hop += 1) {
    if (url.startsWith(stopAt)) return url;
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(response);
    const location = response.headers.get('location');
    if (!location)
      throw new Error(`no redirect from ${url}: ${response.status} ${await response.text()}`);
    url = new URL(location, url).toString();
  }
  throw new Error('too many redirects');
}

describe('login with an OpenID Connect provider (authorization code + PKCE)', () => {
  let system: System;
  let provider: ChildProcess;
  const account = {
    sub: `sub-${Date.now()}`,
    email: `oidc-${Date.now()}@example.test`,
    email_verified: true,
    name: 'Olive Oidc',
  };

  beforeAll(async () => {
    const port = await freePort();
    const callback = `http://127.0.0.1:${port}/auth/oauth/testidp/callback`;
    const started = await startOidcProvider(callback, account);
    provider = started.child;
    system = await startSystem({
      apps: ['gateway', 'auth', 'rbac'],
      port,
      env: {
        OIDC_ISSUER: started.issuer,
        OIDC_CLIENT_ID: CLIENT_ID,
        OIDC_CLIENT_SECRET: CLIENT_SECRET,
        OIDC_NAME: 'testidp',
        OIDC_DISPLAY_NAME: 'Test IdP',
        OAUTH_ALLOW_INSECURE_ISSUER: '1',
      },
    });
  });

  afterAll(async () => {
    await system?.stopAll();
    provider?.kill('SIGTERM');
  });

  beforeAll(async () => {
    // Only some services run here, so /health/ready stays 503: wait for the ones this test uses.
    await system.waitForServices(['auth', 'rbac']);
  });

  it('lists the configured provider only', async () => {
    const res = await http('GET', '/auth/providers', { base: system.url });
    expect(res.status).toBe(200);
    expect(res.body.providers).toEqual([
      {
        name: 'testidp',
        displayName: 'Test IdP',
        authorizeUrl: `${system.url}/auth/oauth/testidp`,
      },
    ]);
    expect((await http('GET', '/auth/oauth/github', { base: system.url })).status).toBe(404);
  });

  it('creates the user on first login, finds them on the next, and the tokens work', async () => {
    const start = await http('GET', '/auth/oauth/testidp', { base: system.url });
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')).toBeTruthy();

    const callbackUrl = await followUntil(
      authorize.toString(),
      `${system.url}/auth/oauth/testidp/callback`,
    );
    const browser = { cookie: cookiesOf(start) };
    expect(browser.cookie).toMatch(/^jchat_oauth_state=/);
    // Someone else's browser (no state cookie) cannot finish this login: no login CSRF.
    const elsewhere = await http('GET', callbackUrl.slice(system.url.length), { base: system.url });
    expect(elsewhere.status).toBe(401);
    const callback = await http('GET', callbackUrl.slice(system.url.length), {
      base: system.url,
      headers: browser,
    });
    expect(callback.headers.get('cache-control')).toBe('no-store');
    expect(callback.status).toBe(200);
    expect(callback.body).toMatchObject({ tokenType: 'Bearer', accessToken: expect.any(String) });

    const session = await http('GET', '/.well-known/jmap', {
      token: callback.body.accessToken,
      base: system.url,
    });
    expect(session.body.username).toBe(account.email);
    const userId = Object.keys(session.body.accounts)[0]!;
    const user = await jmap(callback.body.accessToken, [['User/get', { accountId: userId }, 'g']], {
      base: system.url,
    });
    expect(user.body.methodResponses[0]![1].list[0]).toMatchObject({
      email: account.email,
      displayName: 'Olive Oidc',
      authProvider: 'testidp',
      authProviderId: account.sub,
    });

    // The same state cannot be replayed.
    const replay = await http('GET', callbackUrl.slice(system.url.length), {
      base: system.url,
      headers: browser,
    });
    expect(replay.status).toBe(401);

    // A second login finds the same user.
    const again = await http('GET', '/auth/oauth/testidp', { base: system.url });
    const secondCallback = await followUntil(
      again.headers.get('location')!,
      `${system.url}/auth/oauth/testidp/callback`,
    );
    const second = await http('GET', secondCallback.slice(system.url.length), {
      base: system.url,
      headers: { cookie: cookiesOf(again) },
    });
    const secondSession = await http('GET', '/.well-known/jmap', {
      token: second.body.accessToken,
      base: system.url,
    });
    expect(Object.keys(secondSession.body.accounts)).toEqual([userId]);
  });

  it('refuses a callback with an unknown state', async () => {
    const res = await http('GET', '/auth/oauth/testidp/callback?code=abc&state=forged', {
      base: system.url,
    });
    expect(res.status).toBe(401);
  });

  it('refuses a returnTo outside the allowed web client origins', async () => {
    const res = await http(
      'GET',
      `/auth/oauth/testidp?returnTo=${encodeURIComponent('https://evil.example/')}`,
      {
        base: system.url,
      },
    );
    expect(res.status).toBe(400);
  });
});
