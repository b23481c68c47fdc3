import { startSystem, type System } from '../support/system';
import { call, http, newUser, type TestUser } from './support/http';

describe('a service that does not answer', () => {
  let system: System;
  let user: TestUser;

  beforeAll(async () => {
    system = await startSystem({ env: { SERVICE_TIMEOUT_MS: '1500', HEALTH_TIMEOUT_MS: '500' } });
    await system.waitForHealth();
    user = await newUser({ base: system.url });
  });

  afterAll(async () => {
    await system?.stopAll();
  });

  it('gives serverUnavailable for its calls only, and /health/ready 503 naming it', async () => {
    await system.stop('auth');

    const health = await http('GET', '/health/ready', { base: system.url });
    expect(health.status).toBe(503);
    expect(health.body.missing).toEqual(['auth']);
    expect(health.body.services.auth).toEqual({ status: 'down', reason: 'no answer over NATS' });
    expect((await http('GET', '/health', { base: system.url })).status).toBe(200);

    // The token stays valid: the gateway checks sessions in Redis, not through auth.
    const responses = await call(
      user.accessToken,
      [
        ['User/get', { accountId: user.id }, 'u'],
        ['Core/echo', { still: 'here' }, 'e'],
      ],
      { base: system.url },
    );
    expect(responses[0]).toEqual([
      'error',
      expect.objectContaining({ type: 'serverUnavailable' }),
      'u',
    ]);
    expect(responses[1]).toEqual(['Core/echo', { still: 'here' }, 'e']);

    await system.start('auth');
    await system.waitForHealth();
    const after = await call(user.accessToken, [['User/get', { accountId: user.id }, 'u']], {
      base: system.url,
    });
    expect(after[0]![0]).toBe('User/get');
  });
});
