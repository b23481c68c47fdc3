import { createHmac, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { fakeIp, http, jmap, newUser, type TestUser } from './support/http';

/** Test set-up only: makes a user a system admin straight in the database. */
async function grantSystemAdmin(user: TestUser): Promise<void> {
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO user_roles (user_id, role_id) SELECT $1, id FROM roles WHERE name = 'system-admin'`,
      [user.id],
    );
  } finally {
    await db.end();
  }
}

function forgeToken(claims: Record<string, unknown>, secret: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

function uniqueEmail(): string {
  return `reg-${randomBytes(6).toString('hex')}@Example.TEST`;
}

describe('auth over HTTP', () => {
  describe('POST /auth/register', () => {
    it('creates the user with a normalised email', async () => {
      const email = uniqueEmail();
      const res = await http('POST', '/auth/register', {
        body: { email: `  ${email} `, password: 'correct-horse-battery', displayName: 'Reg One' },
        headers: { 'x-forwarded-for': fakeIp() },
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        email: email.toLowerCase(),
        displayName: 'Reg One',
      });
      expect(res.text).not.toContain('password');
    });

    it('answers 409 when the email is taken, whatever its case', async () => {
      const email = uniqueEmail();
      const body = { email, password: 'correct-horse-battery', displayName: 'Dup' };
      const ip = fakeIp();
      expect(
        (await http('POST', '/auth/register', { body, headers: { 'x-forwarded-for': ip } })).status,
      ).toBe(201);
      const again = await http('POST', '/auth/register', {
        body: { ...body, email: email.toUpperCase() },
        headers: { 'x-forwarded-for': ip },
      });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ error: 'conflict', fields: [{ field: 'email' }] });
    });

    it('lists every bad field in a 400', async () => {
      const res = await http('POST', '/auth/register', {
        body: { email: 'not-an-email', password: 'qwerty123', displayName: '' },
        headers: { 'x-forwarded-for': fakeIp() },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_argument');
      expect(res.body.fields.map((f: { field: string }) => f.field).sort()).toEqual([
        'displayName',
        'email',
        'password',
      ]);
    });

    it.each([
      ['short', 'short7!'],
      ['common', 'password123'],
    ])('refuses a %s password', async (_label, password) => {
      const res = await http('POST', '/auth/register', {
        body: { email: uniqueEmail(), password, displayName: 'P' },
        headers: { 'x-forwarded-for': fakeIp() },
      });
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual([{ field: 'password', message: expect.any(String) }]);
    });

    it('refuses control characters instead of failing on them', async () => {
      const res = await http('POST', '/auth/register', {
        body: {
          email: 'nul\u0000@example.test',
          password: 'correct-horse-battery',
          displayName: 'a\u0000b',
        },
        headers: { 'x-forwarded-for': fakeIp() },
      });
      expect(res.status).toBe(400);
      expect(res.body.fields.map((f: { field: string }) => f.field).sort()).toEqual([
        'displayName',
        'email',
      ]);
      const login = await http('POST', '/auth/login', {
        body: { email: 'a\u0000@x.io', password: 'whatever-password' },
        headers: { 'x-forwarded-for': fakeIp() },
      });
      expect(login.status).toBe(401);
    });

    it('refuses a body that is not JSON or misses fields', async () => {
      const bad = await http('POST', '/auth/register', {
        rawBody: '{nope',
        headers: { 'content-type': 'application/json' },
      });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: 'invalid_argument' });
      const missing = await http('POST', '/auth/register', { body: { email: uniqueEmail() } });
      expect(missing.status).toBe(400);
      expect(missing.body.fields[0].field).toBe('password');
    });

    it('rate limits registrations per IP with Retry-After', async () => {
      const ip = fakeIp();
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 12; i += 1) {
        const res = await http('POST', '/auth/register', {
          body: { email: uniqueEmail(), password: 'correct-horse-battery', displayName: `R${i}` },
          headers: { 'x-forwarded-for': ip },
        });
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
      }
      expect(statuses.slice(0, 10).every((s) => s === 201)).toBe(true);
      expect(statuses.slice(10)).toEqual([429, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    });
  });

  describe('POST /auth/login', () => {
    it('returns a token pair and updates lastLoginAt', async () => {
      const user = await newUser();
      const res = await http('POST', '/auth/login', {
        body: { email: user.email.toUpperCase(), password: user.password },
        headers: { 'x-forwarded-for': user.ip },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: expect.any(Number),
        sessionId: expect.any(String),
      });
      expect(res.body.expiresIn).toBeLessThanOrEqual(15 * 60);
      const me = await jmap(res.body.accessToken, [['User/get', { accountId: user.id }, 'g']]);
      const [, args] = me.body.methodResponses[0]!;
      expect(Date.now() - Date.parse(args.list[0].lastLoginAt)).toBeLessThan(60_000);
      expect(args.list[0]).not.toHaveProperty('passwordHash');
    });

    it('gives the same 401 for a wrong email and a wrong password', async () => {
      const user = await newUser();
      const wrongPassword = await http('POST', '/auth/login', {
        body: { email: user.email, password: 'not-the-password' },
        headers: { 'x-forwarded-for': fakeIp() },
      });
      const wrongEmail = await http('POST', '/auth/login', {
        body: { email: `nobody-${user.email}`, password: user.password },
        headers: { 'x-forwarded-for': fakeIp() },
      });
      expect(wrongPassword.status).toBe(401);
      expect(wrongEmail.status).toBe(401);
      expect(wrongEmail.body).toEqual(wrongPassword.body);
    });

    it('slows down repeated failures for one email with 429 and Retry-After', async () => {
      const user = await newUser();
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 7; i += 1) {
        const res = await http('POST', '/auth/login', {
          body: { email: user.email, password: `wrong-${i}-password` },
          headers: { 'x-forwarded-for': fakeIp() },
        });
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
      }
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(5)).toEqual([429, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      // Even the right password waits for the back-off to pass.
      const right = await http('POST', '/auth/login', {
        body: { email: user.email, password: user.password },
        headers: { 'x-forwarded-for': fakeIp() },
      });
      expect(right.status).toBe(429);
    });

    it('rate limits logins per IP', async () => {
      const ip = fakeIp();
      const statuses: number[] = [];
      for (let i = 0; i < 32; i += 1) {
        const res = await http('POST', '/auth/login', {
          body: { email: `ghost-${i}@example.test`, password: 'whatever-password' },
          headers: { 'x-forwarded-for': ip },
        });
        statuses.push(res.status);
      }
      expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(30)).toEqual([429, 429]);
    });
  });

  describe('refresh tokens', () => {
    it('rotate, and a reused one ends the whole session', async () => {
      const user = await newUser();
      const first = await http('POST', '/auth/refresh', {
        body: { refreshToken: user.refreshToken },
      });
      expect(first.status).toBe(200);
      expect(first.body.refreshToken).not.toBe(user.refreshToken);
      expect(first.body.sessionId).toBe(user.sessionId);
      expect((await http('GET', '/auth/sessions', { token: first.body.accessToken })).status).toBe(
        200,
      );

      const reused = await http('POST', '/auth/refresh', {
        body: { refreshToken: user.refreshToken },
      });
      expect(reused.status).toBe(401);
      // The thief's reuse revoked the session: the newest tokens are dead too.
      expect((await http('GET', '/auth/sessions', { token: first.body.accessToken })).status).toBe(
        401,
      );
      expect(
        (await http('POST', '/auth/refresh', { body: { refreshToken: first.body.refreshToken } }))
          .status,
      ).toBe(401);
    });

    it('refuses garbage', async () => {
      for (const refreshToken of ['', 'abc', `${'0'.repeat(36)}.x`, 42]) {
        const res = await http('POST', '/auth/refresh', { body: { refreshToken } });
        expect([400, 401]).toContain(res.status);
      }
    });
  });

  describe('sessions', () => {
    it('logout revokes the session at once', async () => {
      const user = await newUser();
      expect((await http('GET', '/.well-known/jmap', { token: user.accessToken })).status).toBe(
        200,
      );
      expect((await http('POST', '/auth/logout', { token: user.accessToken })).status).toBe(204);
      const after = await http('GET', '/.well-known/jmap', { token: user.accessToken });
      expect(after.status).toBe(401);
      expect((await jmap(user.accessToken, [['Core/echo', {}, 'c']])).status).toBe(401);
      expect(
        (await http('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } })).status,
      ).toBe(401);
    });

    it('lists the caller sessions and revokes one of them', async () => {
      const user = await newUser();
      const second = await http('POST', '/auth/login', {
        body: { email: user.email, password: user.password },
        headers: { 'x-forwarded-for': user.ip, 'user-agent': 'second-device/1.0' },
      });
      const list = await http('GET', '/auth/sessions', { token: user.accessToken });
      expect(list.status).toBe(200);
      expect(list.body.sessions).toHaveLength(2);
      const current = list.body.sessions.find((s: { current: boolean }) => s.current);
      expect(current).toMatchObject({ id: user.sessionId, ipAddress: user.ip });
      const other = list.body.sessions.find((s: { current: boolean }) => !s.current);
      expect(other).toMatchObject({ id: second.body.sessionId, userAgent: 'second-device/1.0' });
      expect(Date.parse(other.expiresAt)).toBeGreaterThan(Date.now());

      expect(
        (await http('DELETE', `/auth/sessions/${other.id}`, { token: user.accessToken })).status,
      ).toBe(204);
      expect((await http('GET', '/auth/sessions', { token: second.body.accessToken })).status).toBe(
        401,
      );
      expect(
        (await http('GET', '/auth/sessions', { token: user.accessToken })).body.sessions,
      ).toHaveLength(1);
    });

    it("cannot revoke someone else's session", async () => {
      const ann = await newUser();
      const bob = await newUser();
      const res = await http('DELETE', `/auth/sessions/${bob.sessionId}`, {
        token: ann.accessToken,
      });
      expect(res.status).toBe(404);
      expect((await http('GET', '/auth/sessions', { token: bob.accessToken })).status).toBe(200);
    });
  });

  describe('access tokens', () => {
    it.each([
      ['missing', undefined],
      ['malformed', 'not.a.jwt'],
      [
        'signed with another key',
        forgeToken(
          {
            sub: '00000000-0000-4000-8000-000000000000',
            sid: '00000000-0000-4000-8000-000000000000',
            typ: 'access',
            exp: Math.floor(Date.now() / 1000) + 600,
          },
          'x'.repeat(40),
        ),
      ],
    ])('refuses a %s token with 401', async (_label, token) => {
      const res = await http('GET', '/.well-known/jmap', { token });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'unauthorized', message: expect.any(String) });
    });

    it('refuses an expired token with 401', async () => {
      const secret = process.env.JWT_SECRET;
      if (!secret) throw new Error('JWT_SECRET must be visible to the e2e tests');
      const user = await newUser();
      const expired = forgeToken(
        {
          sub: user.id,
          sid: user.sessionId,
          typ: 'access',
          iat: 1_700_000_000,
          exp: 1_700_000_060,
        },
        secret,
      );
      expect((await http('GET', '/.well-known/jmap', { token: expired })).status).toBe(401);
      const fresh = forgeToken(
        {
          sub: user.id,
          sid: user.sessionId,
          typ: 'access',
          exp: Math.floor(Date.now() / 1000) + 60,
        },
        secret,
      );
      expect((await http('GET', '/.well-known/jmap', { token: fresh })).status).toBe(200);
    });
  });

  describe('deactivation', () => {
    it('a users.manage admin deactivates a user: sessions end, login gets 403', async () => {
      const admin = await newUser();
      const target = await newUser();
      await grantSystemAdmin(admin);

      const byPeer = await jmap(target.accessToken, [
        ['User/set', { accountId: target.id, update: { [admin.id]: { isActive: false } } }, 's'],
      ]);
      expect(byPeer.body.methodResponses[0]![1].notUpdated[admin.id].type).toBe('forbidden');

      const res = await jmap(admin.accessToken, [
        ['User/set', { accountId: admin.id, update: { [target.id]: { isActive: false } } }, 's'],
      ]);
      expect(res.body.methodResponses[0]![1].updated).toEqual({ [target.id]: null });
      expect((await http('GET', '/.well-known/jmap', { token: target.accessToken })).status).toBe(
        401,
      );
      expect(
        (await http('POST', '/auth/refresh', { body: { refreshToken: target.refreshToken } }))
          .status,
      ).toBe(401);
      const login = await http('POST', '/auth/login', {
        body: { email: target.email, password: target.password },
        headers: { 'x-forwarded-for': fakeIp() },
      });
      expect(login.status).toBe(403);
    });

    it('lets a user rename only themselves', async () => {
      const ann = await newUser();
      const bob = await newUser();
      const res = await jmap(ann.accessToken, [
        [
          'User/set',
          {
            accountId: ann.id,
            update: { [ann.id]: { displayName: 'Ann Renamed' }, [bob.id]: { displayName: 'X' } },
          },
          's',
        ],
        ['User/set', { accountId: ann.id, update: { [ann.id]: { email: 'x@y.z' } } }, 't'],
        ['User/get', { accountId: ann.id, ids: [ann.id], properties: ['displayName'] }, 'g'],
      ]);
      expect(res.body.methodResponses[0]![1].updated).toEqual({ [ann.id]: null });
      expect(res.body.methodResponses[0]![1].notUpdated[bob.id].type).toBe('forbidden');
      expect(res.body.methodResponses[1]![1].notUpdated[ann.id]).toMatchObject({
        type: 'invalidProperties',
        properties: ['email'],
      });
      expect(res.body.methodResponses[2]![1].list).toEqual([
        { id: ann.id, displayName: 'Ann Renamed' },
      ]);
    });
  });

  describe('User/get and User/query', () => {
    it('shows others only id, displayName and isActive', async () => {
      const ann = await newUser();
      const bob = await newUser();
      const res = await jmap(ann.accessToken, [
        ['User/get', { accountId: ann.id, ids: [ann.id, bob.id, 'nope'] }, 'g'],
      ]);
      const [, args] = res.body.methodResponses[0]!;
      expect(args.list[0]).toMatchObject({ id: ann.id, email: ann.email, authProvider: 'local' });
      expect(args.list[1]).toEqual({ id: bob.id, displayName: bob.displayName, isActive: true });
      expect(args.notFound).toEqual(['nope']);
    });

    it('finds people by name or email prefix', async () => {
      const tag = randomBytes(4).toString('hex');
      const ann = await newUser({ displayName: `Zelda ${tag}` });
      const bob = await newUser({ displayName: `Zed ${tag}` });
      const res = await jmap(ann.accessToken, [
        ['User/query', { accountId: ann.id, filter: { text: `zelda ${tag}` } }, 'a'],
        ['User/query', { accountId: ann.id, filter: { text: bob.email.toUpperCase() } }, 'b'],
        ['User/query', { accountId: ann.id, filter: { text: bob.email.slice(0, 18) } }, 'c'],
      ]);
      expect(res.body.methodResponses[0]![1].ids).toEqual([ann.id]);
      expect(res.body.methodResponses[1]![1].ids).toEqual([bob.id]);
      // Emails match whole only: a prefix would let anyone spell out every address.
      expect(res.body.methodResponses[2]![1].ids).not.toContain(bob.id);
    });
  });
});
