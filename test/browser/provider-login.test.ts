// Signing in with a configured provider (a real OpenID Connect provider on loopback), the
// sessions list with a revocation that signs the other browser out, and signing out.
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { freePort } from '../../scripts/lib/processes.cjs';
import { OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, startOidcProvider } from '../support/oidc';
import { startSystem, type System } from '../support/system';
import { connected, launchChromium, snap, visible } from './support/browser';

jest.setTimeout(240_000);

describe('the web client with a sign-in provider', () => {
  let browser: Browser;
  let system: System;
  let provider: ChildProcess;
  const account = {
    sub: `sub-${Date.now()}`,
    email: `olive-${Date.now()}@example.test`,
    email_verified: true,
    name: 'Olive Oidc',
  };

  beforeAll(async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const started = await startOidcProvider(`${url}/auth/oauth/testidp/callback`, account);
    provider = started.child;
    [system, browser] = await Promise.all([
      startSystem({
        port,
        env: {
          OIDC_ISSUER: started.issuer,
          OIDC_CLIENT_ID,
          OIDC_CLIENT_SECRET,
          OIDC_NAME: 'testidp',
          OIDC_DISPLAY_NAME: 'Test IdP',
          OAUTH_ALLOW_INSECURE_ISSUER: '1',
          WEB_CLIENT_ORIGINS: url,
          // Revoked sessions' sockets are closed within this.
          PUSH_HEARTBEAT_MS: '1000',
        },
      }),
      launchChromium(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stopAll();
    provider?.kill('SIGTERM');
  });

  async function signInWithProvider(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
    const page = await context.newPage();
    await page.goto(system.url);
    await page.getByRole('link', { name: 'Continue with Test IdP' }).click();
    await connected(page);
    // The tokens came back in the fragment, which the client removed from the address.
    if (new URL(page.url()).hash !== '') throw new Error(`tokens left in ${page.url()}`);
    return page;
  }

  it('signs in through the provider, lists and revokes sessions, and signs out', async () => {
    const laptop = await signInWithProvider();
    await visible(laptop.getByLabel('Signed in as').filter({ hasText: 'Olive Oidc' }));
    const phone = await signInWithProvider();

    await laptop.getByRole('button', { name: 'Sessions' }).click();
    const sessions = laptop.locator('.sessions > li');
    await visible(sessions.nth(1));
    expect(await sessions.count()).toBe(2);
    await visible(sessions.filter({ hasText: 'this device' }));
    await snap(laptop, 'provider-sessions');
    await sessions.getByRole('button', { name: /^Revoke session/ }).click();
    // (No string evaluation in the page: its Content-Security-Policy forbids it.)
    await sessions.nth(1).waitFor({ state: 'detached' });

    // The revoked browser is signed out by itself: its socket closes, its token is refused.
    await visible(phone.getByRole('tab', { name: 'Sign in' }), 30_000);

    await laptop.getByRole('button', { name: 'Sign out' }).click();
    await visible(laptop.getByRole('tab', { name: 'Sign in' }));
    await laptop.reload();
    await visible(laptop.getByRole('tab', { name: 'Sign in' }));
  });
});
