import { gatewayUrl } from '../support/env';

/** The gateway serves the built web client (dist/apps/web) at `/`, behind the API's routes. */
describe('web client served by the gateway', () => {
  const get = (path: string, accept = 'text/html') =>
    fetch(`${gatewayUrl()}${path}`, { headers: { Accept: accept } });

  it('serves index.html at / and for client routes, never cached, with a strict CSP', async () => {
    for (const path of ['/', '/c/some-conversation', '/search']) {
      const page = await get(path);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(await page.text()).toContain('<div id="root"></div>');
    }
  });

  it('serves hashed assets as immutable for a year, and a missing one as 404', async () => {
    const html = await (await get('/')).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const script = await get(asset!, '*/*');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await get('/assets/missing-0000.js', '*/*')).status).toBe(404);
  });

  it('leaves the API first: its routes answer as before, whatever the Accept header', async () => {
    expect((await get('/.well-known/jmap')).status).toBe(401);
    expect((await get('/jmap/api')).status).toBe(404);
    expect((await get('/auth/sessions')).status).toBe(401);
    expect((await get('/health')).status).toBe(200);
    expect((await get('/health', 'application/json')).headers.get('content-type')).toMatch(/json/);
    // A non-browser request for an unknown path is still the API's JSON 404, not the page.
    const unknown = await get('/no-such-route', 'application/json');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/json/);
    // Only GET and HEAD reach the client.
    const post = await fetch(`${gatewayUrl()}/`, {
      method: 'POST',
      headers: { Accept: 'text/html' },
    });
    expect(post.status).toBe(404);
  });
});
