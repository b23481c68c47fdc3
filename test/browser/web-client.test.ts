// Issue 13's "Done when": two people in two browser contexts sign up, create a conversation and
// chat in real time (messages, typing, reactions, edits, read receipts), upload and view an
// image, search, and one goes offline and comes back caught up. Screenshots: test-results/browser.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { gatewayUrl } from '../support/env';
import { ROOT_DIR } from '../support/isolation';
import { skyPng } from './support/png';
import {
  ARTIFACTS_DIR,
  type BrowserUser,
  connected,
  launchChromium,
  signUp,
  snap,
  visible,
} from './support/browser';

jest.setTimeout(240_000);

describe('the web client', () => {
  let browser: Browser;
  let ann: BrowserUser;
  let bob: BrowserUser;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    // The last state of both screens, kept whether the test passed or not.
    for (const user of [ann, bob])
      if (user) await snap(user.page, `last-${user.name}`).catch(() => undefined);
    await browser?.close();
  });

  const messageBody = (page: Page, text: string | RegExp) =>
    page.getByTestId('message-body').filter({ hasText: text });
  const message = (page: Page, text: string | RegExp) =>
    page.getByTestId('message').filter({ has: messageBody(page, text) });

  /** Many messages at once, through the API (Message/set), as Ann. */
  async function postMessages(user: BrowserUser, conversationId: string, count: number) {
    const login = await fetch(`${gatewayUrl()}/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const accountId = (await session(accessToken)).id;
    // Sends refused under load (`rateLimit`) are sent again with the same clientMessageId.
    let waiting = Array.from({ length: count }, (_, i) => i);
    for (let round = 0; waiting.length > 0 && round < 20; round++) {
      const create = Object.fromEntries(
        waiting.map((i) => [
          `m${i}`,
          {
            conversationId,
            body: `filler ${i}`,
            bodyType: 'text/plain',
            metadata: { clientMessageId: `filler-${conversationId}-${i}` },
          },
        ]),
      );
      const sent = await fetch(`${gatewayUrl()}/jmap/api`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({
          using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:chat'],
          methodCalls: [['Message/set', { accountId, create }, 'c']],
        }),
      });
      const answer = (await sent.json()) as {
        methodResponses: [string, { created?: Record<string, unknown> }, string][];
      };
      const created = answer.methodResponses[0]?.[1].created ?? {};
      waiting = waiting.filter((i) => !created[`m${i}`]);
    }
    expect(waiting).toEqual([]);
  }

  async function session(token: string): Promise<{ id: string }> {
    const response = await fetch(`${gatewayUrl()}/.well-known/jmap`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { primaryAccounts: Record<string, string> };
    return { id: body.primaryAccounts['urn:ietf:params:jmap:chat']! };
  }

  async function send(page: Page, text: string): Promise<void> {
    await page.getByLabel('Message', { exact: true }).fill(text);
    await page.getByLabel('Message', { exact: true }).press('Enter');
  }

  it('two people chat in real time, share an image, search, and catch up after going offline', async () => {
    const base = gatewayUrl();
    [ann, bob] = await Promise.all([signUp(browser, base, 'Ann'), signUp(browser, base, 'Bob')]);
    await snap(ann.page, '01-signed-in');

    // Ann creates a group with Bob.
    await ann.page.getByRole('button', { name: 'New conversation' }).click();
    await ann.page.getByLabel('Group').check();
    await ann.page.getByLabel('Title').fill('Project Falcon');
    await ann.page.getByLabel('Add people').fill(bob.email);
    await ann.page.getByRole('button', { name: 'Add Bob' }).click();
    await ann.page.getByRole('button', { name: 'Create' }).click();
    await visible(ann.page.getByRole('heading', { name: 'Project Falcon' }));

    // It reaches Bob's list by push; he opens it.
    const bobsItem = bob.page.getByRole('link', { name: /Project Falcon/ });
    await visible(bobsItem);
    await bobsItem.click();
    await visible(bob.page.getByRole('heading', { name: 'Project Falcon' }));
    await visible(
      bob.page.getByTestId('system-message').filter({ hasText: 'Ann created the conversation' }),
    );

    // Typing, then the message, both seen by Bob as they happen.
    // (Ann goes on typing, as people do: the client tells the server again every 3 s.)
    const composer = ann.page.getByLabel('Message', { exact: true });
    const typing = bob.page.getByTestId('typing').filter({ hasText: 'Ann is typing' });
    await composer.fill('The falcon');
    // Seen once is enough: the indicator lapses a few seconds after each push, so looking again
    // afterwards could miss it.
    let seen = false;
    for (let key = 0; key < 5 && !seen; key++) {
      seen = await visible(typing, 3500).then(
        () => true,
        async () => {
          await composer.press('.');
          return false;
        },
      );
    }
    expect(seen).toBe(true);
    await send(ann.page, 'The **falcon** has landed');
    await visible(messageBody(bob.page, 'The falcon has landed'));
    expect(
      await messageBody(bob.page, 'The falcon has landed').locator('strong').textContent(),
    ).toBe('falcon');
    await visible(bob.page.getByTestId('typing').filter({ hasText: /^$/ }));

    // Bob answers, replying to it; Ann sees the reply with its quote.
    await message(bob.page, 'The falcon has landed')
      .getByRole('button', { name: 'Reply to Ann' })
      .click();
    await send(bob.page, 'Great news, on my way');
    await visible(
      message(ann.page, 'Great news, on my way')
        .locator('.reply-quote')
        .filter({ hasText: 'falcon' }),
    );

    // Read receipts: Bob has the conversation open, so Ann's message shows it was read by him.
    await visible(
      message(ann.page, 'The falcon has landed')
        .getByTestId('delivery')
        .filter({ hasText: 'Read by Bob' }),
    );

    // Bob reacts; Ann sees the reaction, with who reacted.
    await message(bob.page, 'The falcon has landed')
      .getByRole('button', { name: 'React', exact: true })
      .click();
    await bob.page.getByRole('button', { name: 'React 🎉' }).click();
    await visible(
      message(ann.page, 'The falcon has landed').getByRole('button', { name: '🎉 1: Bob' }),
    );

    // Ann edits her message; Bob sees the new text, "edited", and the earlier version.
    await message(ann.page, 'The falcon has landed').getByRole('button', { name: 'Edit' }).click();
    await ann.page.getByLabel('Edit message').fill('The falcon has landed safely');
    await ann.page.getByLabel('Edit message').press('Enter');
    const edited = message(bob.page, 'The falcon has landed safely');
    await visible(edited.getByRole('button', { name: '(edited)' }));
    await edited.getByRole('button', { name: '(edited)' }).click();
    await visible(
      edited
        .getByRole('list', { name: 'Earlier versions' })
        .filter({ hasText: 'The **falcon** has landed' }),
    );
    await snap(bob.page, '02-chat-bob');

    // Ann uploads a picture; Bob sees its preview.
    const image = path.join(ARTIFACTS_DIR, 'falcon.png');
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    fs.writeFileSync(image, skyPng(320, 200));
    await ann.page.getByLabel('Attach files').setInputFiles(image);
    await visible(ann.page.getByTestId('upload-ready'));
    await send(ann.page, 'Photo from the field');
    const picture = message(bob.page, 'Photo from the field').getByRole('img', {
      name: 'falcon.png',
    });
    await visible(picture);
    await bob.page.waitForFunction(
      (img) => {
        const loaded = img as unknown as { complete: boolean; naturalWidth: number } | null;
        return !!loaded && loaded.complete && loaded.naturalWidth === 320;
      },
      await picture.elementHandle(),
    );
    await visible(
      message(bob.page, 'Photo from the field').getByRole('button', {
        name: 'Download falcon.png',
      }),
    );
    await snap(bob.page, '03-image-bob');

    // Search, with the matched word highlighted.
    await bob.page.getByRole('button', { name: 'Search' }).click();
    await bob.page.getByLabel('Search for').fill('falcon');
    await bob.page.getByLabel('Search for').press('Enter');
    await visible(bob.page.locator('.snippet mark').filter({ hasText: /falcon/i }));
    await snap(bob.page, '04-search-bob');
    await bob.page
      .getByRole('button', { name: /Project Falcon/ })
      .first()
      .click();
    await visible(bob.page.getByRole('heading', { name: 'Project Falcon' }));

    // Bob's network goes away: Ann writes meanwhile; back online, Bob catches up by /changes.
    await bob.context.setOffline(true);
    await visible(bob.page.getByTestId('connection').filter({ hasText: 'Offline' }));
    await send(ann.page, 'Sent while Bob was offline');
    await visible(
      message(ann.page, 'Sent while Bob was offline')
        .getByTestId('delivery')
        .filter({ hasText: /Sent|Delivered/ }),
    );
    expect(await messageBody(bob.page, 'Sent while Bob was offline').count()).toBe(0);
    await snap(bob.page, '05-offline-bob');
    await bob.context.setOffline(false);
    await connected(bob.page, 30_000);
    await visible(messageBody(bob.page, 'Sent while Bob was offline'), 30_000);
    await visible(
      message(ann.page, 'Sent while Bob was offline')
        .getByTestId('delivery')
        .filter({ hasText: 'Read by Bob' }),
    );
    await snap(bob.page, '06-caught-up-bob');

    // Ann opens a public channel; Bob finds it in the directory and joins.
    await ann.page.getByRole('button', { name: 'New conversation' }).click();
    await ann.page.getByLabel('Channel').check();
    await ann.page.getByLabel('Title').fill('general');
    await ann.page.getByLabel('Who can find it').selectOption('public');
    await ann.page.getByRole('button', { name: 'Create' }).click();
    await visible(ann.page.getByRole('heading', { name: 'general' }));
    await send(ann.page, 'Welcome to the *general* channel');
    await bob.page.getByRole('button', { name: 'Directory' }).click();
    const listing = bob.page.getByRole('listitem').filter({ hasText: 'general' });
    await visible(listing);
    await listing.getByRole('button', { name: 'Join' }).click();
    await visible(bob.page.getByRole('heading', { name: 'general' }));
    await visible(messageBody(bob.page, 'Welcome to the general channel'));
    await visible(ann.page.getByTestId('system-message').filter({ hasText: 'Bob joined' }));
    await ann.page.getByRole('link', { name: /Project Falcon/ }).click();
    await visible(
      message(ann.page, 'Photo from the field').getByRole('img', { name: 'falcon.png' }),
    );
    await snap(ann.page, '07-chat-ann');
    if (process.env['JCHAT_README_SCREENSHOT'] === '1') {
      await ann.page.screenshot({ path: path.join(ROOT_DIR, 'docs', 'web-client.png') });
    }

    // The phone layout: the conversation alone, with a way back to the list.
    await bob.page.setViewportSize({ width: 390, height: 800 });
    await visible(bob.page.getByRole('button', { name: 'Back to conversations' }));
    await snap(bob.page, '08-phone-bob');
    await bob.page.getByRole('button', { name: 'Back to conversations' }).click();
    await visible(bob.page.getByRole('link', { name: /Project Falcon/ }));
    await bob.page.setViewportSize({ width: 1280, height: 800 });

    // A long history: after a reload (which keeps the route) the newest page shows, and
    // scrolling up pages back to the start.
    await bob.page.getByRole('link', { name: /general/ }).click();
    await visible(bob.page.getByRole('heading', { name: 'general' }));
    const conversationId = decodeURIComponent(new URL(bob.page.url()).pathname.split('/')[2]!);
    await postMessages(ann, conversationId, 45);
    await visible(messageBody(bob.page, 'filler 44'));
    await bob.page.reload();
    await visible(messageBody(bob.page, 'filler 44'));
    await visible(bob.page.getByRole('button', { name: 'Load older messages' }));
    expect(await messageBody(bob.page, 'Welcome to the general channel').count()).toBe(0);
    await bob.page.getByRole('log').hover();
    // Each wheel turn that reaches the top loads the page before; wait for the start or turn on.
    const start = bob.page.getByText('Start of the conversation');
    for (let turn = 0; turn < 10 && !(await start.isVisible()); turn++) {
      await bob.page.mouse.wheel(0, -5000);
      await visible(start, 1500).catch(() => undefined);
    }
    await visible(messageBody(bob.page, 'Welcome to the general channel'));
    await snap(bob.page, '09-paged-back-bob');
  });
});
