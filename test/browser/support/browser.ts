// Chromium through playwright-core (Debian's /usr/bin/chromium: `npx playwright install` cannot
// work here), one browser context per user, screenshots kept under test-results/browser/.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  type Browser,
  chromium,
  type BrowserContext,
  type Locator,
  type Page,
} from 'playwright-core';
import { ROOT_DIR } from '../../support/isolation';

export const ARTIFACTS_DIR = path.join(ROOT_DIR, 'test-results', 'browser');
export const CHROMIUM = process.env['JCHAT_CHROMIUM'] ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set JCHAT_CHROMIUM)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface BrowserUser {
  name: string;
  email: string;
  password: string;
  context: BrowserContext;
  page: Page;
}

/** A new browser context that signs up through the client's own form. */
export async function signUp(
  browser: Browser,
  baseUrl: string,
  name: string,
): Promise<BrowserUser> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: { width: 1280, height: 800 },
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[${name}] page error: ${error.message}`));
  // The client's own warnings (a failed sync); the browser's network errors are expected here.
  page.on('console', (message) => {
    if (message.type() === 'warning') console.error(`[${name}] console: ${message.text()}`);
  });
  const email = `${name.toLowerCase()}-${randomBytes(4).toString('hex')}@example.test`;
  const password = `violet-harbour-${randomBytes(4).toString('hex')}`;
  await page.goto('/');
  await page.getByRole('tab', { name: 'Create account' }).click();
  await page.getByLabel('Display name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).last().click();
  await connected(page);
  return { name, email, password, context, page };
}

/** A screenshot kept as a test artefact. */
export async function snap(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Waits until the element is visible (playwright-core has no expect: its waits, with a timeout). */
export function visible(locator: Locator, timeout = 15_000): Promise<void> {
  return locator.first().waitFor({ state: 'visible', timeout });
}

export function connected(page: Page, timeout = 20_000): Promise<void> {
  return visible(page.getByTestId('connection').filter({ hasText: /^Connected$/ }), timeout);
}
