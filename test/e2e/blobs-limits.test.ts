// Upload size limit (the core capability's maxSizeUpload), on a small system of its own started
// with a low limit: gateway, auth and messaging only.
import { startSystem, type System } from '../support/system';
import { http, newUser, type TestUser } from './support/http';

const LIMIT = 4096;

describe('blob upload limits', () => {
  let system: System;
  let ann: TestUser;

  beforeAll(async () => {
    system = await startSystem({
      apps: ['gateway', 'auth', 'messaging'],
      env: { JMAP_MAX_SIZE_UPLOAD: String(LIMIT) },
    });
    // Only some apps run here: wait for the services this test uses.
    await system.waitForServices(['auth', 'messaging']);
    ann = await newUser({ base: system.url });
  }, 120_000);

  afterAll(() => system?.stopAll());

  const uploadUrl = () => `${system.url}/jmap/upload/${ann.id}/`;

  it('publishes maxSizeUpload in the session', async () => {
    const session = await http('GET', '/.well-known/jmap', {
      token: ann.accessToken,
      base: system.url,
    });
    expect(session.body.capabilities['urn:ietf:params:jmap:core'].maxSizeUpload).toBe(LIMIT);
  });

  it('accepts an upload of exactly maxSizeUpload bytes', async () => {
    const deadline = Date.now() + 30_000;
    let response: Response;
    // messaging may still be starting (only the gateway was waited for).
    do {
      response = await fetch(uploadUrl(), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ann.accessToken}`,
          'content-type': 'application/octet-stream',
        },
        body: Buffer.alloc(LIMIT, 1),
      });
    } while (response.status === 503 && Date.now() < deadline);
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ size: LIMIT });
  });

  it('refuses a larger one with 413, declared or streamed', async () => {
    const declared = await fetch(uploadUrl(), {
      method: 'POST',
      headers: { authorization: `Bearer ${ann.accessToken}` },
      body: Buffer.alloc(LIMIT + 1, 1),
    });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: 'payload_too_large' });

    const chunks = [Buffer.alloc(3000, 1), Buffer.alloc(3000, 2)];
    const streamed = await fetch(uploadUrl(), {
      method: 'POST',
      headers: { authorization: `Bearer ${ann.accessToken}` },
      body: new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next) controller.enqueue(next);
          else controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    expect(streamed.status).toBe(413);
  });
});
