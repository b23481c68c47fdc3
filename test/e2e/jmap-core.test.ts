import { CHAT, CORE, call, gatewayUrl, http, jmap, newUser, type TestUser } from './support/http';

const PROBLEM = 'application/problem+json';

describe('JMAP core through the gateway', () => {
  let ann: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    ann = await newUser({ displayName: 'Annabel Core' });
    bob = await newUser({ displayName: 'Bobby Core' });
  });

  it('answers /health (liveness) while the gateway serves', async () => {
    const res = await http('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers /health/ready with every service and its stores up', async () => {
    const res = await http('GET', '/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.missing).toBeUndefined();
    expect(res.body.gateway).toEqual({
      status: 'up',
      instance: expect.stringMatching(/^.+:\d+$/),
      checks: { redis: 'up', nats: 'up' },
    });
    expect(res.body.services.messaging).toEqual({
      status: 'up',
      instance: expect.stringMatching(/^.+:\d+$/),
      checks: { postgres: 'up', redis: 'up', nats: 'up' },
    });
    for (const service of ['auth', 'conversations', 'messaging', 'presence', 'rbac']) {
      expect(res.body.services[service].status).toBe('up');
      expect(Object.values(res.body.services[service].checks)).not.toContain('down');
    }
  });

  describe('GET /.well-known/jmap', () => {
    it('refuses a request without a token', async () => {
      const res = await http('GET', '/.well-known/jmap');
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'unauthorized' });
    });

    it('returns the Session object with absolute URLs and real limits', async () => {
      const res = await http('GET', '/.well-known/jmap', { token: ann.accessToken });
      expect(res.status).toBe(200);
      const session = res.body;
      const base = gatewayUrl();
      expect(session.capabilities[CORE]).toEqual({
        maxSizeUpload: expect.any(Number),
        maxConcurrentUpload: expect.any(Number),
        maxSizeRequest: expect.any(Number),
        maxConcurrentRequests: expect.any(Number),
        maxCallsInRequest: expect.any(Number),
        maxObjectsInGet: expect.any(Number),
        maxObjectsInSet: expect.any(Number),
        collationAlgorithms: expect.arrayContaining(['i;ascii-casemap']),
      });
      expect(session.capabilities[CHAT]).toMatchObject({ maxBodyBytes: expect.any(Number) });
      expect(session.capabilities['urn:ietf:params:jmap:websocket']).toEqual({
        url: `${base.replace('http', 'ws')}/jmap/ws`,
        supportsPush: true,
      });
      expect(Object.keys(session.accounts)).toEqual([ann.id]);
      expect(session.accounts[ann.id]).toMatchObject({
        name: ann.email,
        isPersonal: true,
        isReadOnly: false,
      });
      expect(session.primaryAccounts[CHAT]).toBe(ann.id);
      expect(session.username).toBe(ann.email);
      expect(session.apiUrl).toBe(`${base}/jmap/api`);
      expect(session.downloadUrl).toBe(
        `${base}/jmap/download/{accountId}/{blobId}/{name}?type={type}`,
      );
      expect(session.uploadUrl).toBe(`${base}/jmap/upload/{accountId}/`);
      expect(session.eventSourceUrl).toBe(
        `${base}/jmap/eventsource?types={types}&closeafter={closeafter}&ping={ping}`,
      );
      expect(typeof session.state).toBe('string');
    });

    it('uses the same state in API responses as sessionState', async () => {
      const session = await http('GET', '/.well-known/jmap', { token: ann.accessToken });
      const api = await jmap(ann.accessToken, [['Core/echo', {}, 'c']]);
      expect(api.body.sessionState).toBe(session.body.state);
    });
  });

  describe('request-level errors', () => {
    async function problem(rawBody: string) {
      const res = await http('POST', '/jmap/api', {
        token: ann.accessToken,
        rawBody,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain(PROBLEM);
      return res.body;
    }

    it('notJSON for a body that does not parse', async () => {
      expect(await problem('{"using": [')).toMatchObject({
        type: 'urn:ietf:params:jmap:error:notJSON',
        status: 400,
      });
    });

    it.each([
      ['an array', '[]'],
      ['no using', '{"methodCalls": []}'],
      ['using not strings', '{"using": [1], "methodCalls": []}'],
      ['methodCalls not an array', `{"using": ["${CORE}"], "methodCalls": {}}`],
      ['an invocation of two items', `{"using": ["${CORE}"], "methodCalls": [["Core/echo", {}]]}`],
      [
        'arguments not an object',
        `{"using": ["${CORE}"], "methodCalls": [["Core/echo", [], "c"]]}`,
      ],
      ['createdIds not a map', `{"using": ["${CORE}"], "methodCalls": [], "createdIds": []}`],
    ])('notRequest for %s', async (_label, body) => {
      expect(await problem(body)).toMatchObject({ type: 'urn:ietf:params:jmap:error:notRequest' });
    });

    it('unknownCapability names the capability', async () => {
      const body = await problem(
        JSON.stringify({ using: [CORE, 'urn:example:nope'], methodCalls: [] }),
      );
      expect(body.type).toBe('urn:ietf:params:jmap:error:unknownCapability');
      expect(body.detail).toContain('urn:example:nope');
    });

    it('limit naming maxCallsInRequest', async () => {
      const session = await http('GET', '/.well-known/jmap', { token: ann.accessToken });
      const max = session.body.capabilities[CORE].maxCallsInRequest as number;
      const calls = Array.from({ length: max + 1 }, (_, i) => ['Core/echo', {}, `c${i}`]);
      const body = await problem(JSON.stringify({ using: [CORE], methodCalls: calls }));
      expect(body).toMatchObject({
        type: 'urn:ietf:params:jmap:error:limit',
        limit: 'maxCallsInRequest',
      });
    });

    it('limit naming maxSizeRequest', async () => {
      const session = await http('GET', '/.well-known/jmap', { token: ann.accessToken });
      const max = session.body.capabilities[CORE].maxSizeRequest as number;
      const filler = 'x'.repeat(max + 10);
      const body = await problem(
        JSON.stringify({ using: [CORE], methodCalls: [['Core/echo', { filler }, 'c']] }),
      );
      expect(body).toMatchObject({
        type: 'urn:ietf:params:jmap:error:limit',
        limit: 'maxSizeRequest',
      });
    });
  });

  describe('method calls', () => {
    it('Core/echo returns its arguments', async () => {
      const responses = await call(ann.accessToken, [
        ['Core/echo', { hello: true, n: [1, 2] }, 'e1'],
      ]);
      expect(responses).toEqual([['Core/echo', { hello: true, n: [1, 2] }, 'e1']]);
    });

    it('unknownMethod for an unknown type, an unknown method and a capability not in using', async () => {
      const responses = await call(
        ann.accessToken,
        [
          ['Nothing/get', { accountId: ann.id }, 'a'],
          ['Core/nothing', {}, 'b'],
          ['User/get', { accountId: ann.id }, 'c'],
          ['bad name', {}, 'd'],
        ],
        { using: [CORE] },
      );
      expect(responses.map(([name, args, id]) => [name, args.type, id])).toEqual([
        ['error', 'unknownMethod', 'a'],
        ['error', 'unknownMethod', 'b'],
        ['error', 'unknownMethod', 'c'],
        ['error', 'unknownMethod', 'd'],
      ]);
    });

    it('invalidArguments for malformed arguments, accountNotFound for another account', async () => {
      const responses = await call(ann.accessToken, [
        ['User/get', { accountId: ann.id, ids: 'not-a-list' }, 'a'],
        ['User/get', { accountId: ann.id, bogus: 1 }, 'b'],
        ['User/get', { accountId: ann.id, properties: ['nope'] }, 'c'],
        ['User/get', { accountId: bob.id }, 'd'],
        ['User/get', {}, 'e'],
      ]);
      expect(responses.map(([name, args, id]) => [name, args.type, id])).toEqual([
        ['error', 'invalidArguments', 'a'],
        ['error', 'invalidArguments', 'b'],
        ['error', 'invalidArguments', 'c'],
        ['error', 'accountNotFound', 'd'],
        ['error', 'invalidArguments', 'e'],
      ]);
    });

    it('echoes createdIds when the request carries them', async () => {
      const res = await jmap(ann.accessToken, [['Core/echo', {}, 'c']], {
        createdIds: { k1: 'abc' },
      });
      expect(res.body.createdIds).toEqual({ k1: 'abc' });
      const without = await jmap(ann.accessToken, [['Core/echo', {}, 'c']]);
      expect(without.body).not.toHaveProperty('createdIds');
    });
  });

  describe('result references', () => {
    it('feeds the ids of a query into a get', async () => {
      const responses = await call(ann.accessToken, [
        ['User/query', { accountId: ann.id, filter: { text: 'Bobby Core' } }, 'q'],
        [
          'User/get',
          { accountId: ann.id, '#ids': { resultOf: 'q', name: 'User/query', path: '/ids' } },
          'g',
        ],
      ]);
      expect(responses[0]![1].ids).toEqual([bob.id]);
      expect(responses[1]![0]).toBe('User/get');
      expect(responses[1]![1].list).toEqual([
        { id: bob.id, displayName: 'Bobby Core', isActive: true },
      ]);
    });

    it('follows * through lists', async () => {
      const responses = await call(ann.accessToken, [
        ['User/get', { accountId: ann.id, ids: [ann.id, bob.id] }, 'g1'],
        [
          'User/get',
          { accountId: ann.id, '#ids': { resultOf: 'g1', name: 'User/get', path: '/list/*/id' } },
          'g2',
        ],
        [
          'Core/echo',
          { '#names': { resultOf: 'g1', name: 'User/get', path: '/list/*/displayName' } },
          'e',
        ],
      ]);
      expect(responses[1]![1].list.map((u: { id: string }) => u.id)).toEqual([ann.id, bob.id]);
      expect(responses[2]![1]).toEqual({ names: ['Annabel Core', 'Bobby Core'] });
    });

    it.each([
      ['an unknown call id', { resultOf: 'zz', name: 'User/get', path: '/ids' }],
      ['the wrong method name', { resultOf: 'g1', name: 'User/query', path: '/ids' }],
      ['a path that does not exist', { resultOf: 'g1', name: 'User/get', path: '/nothing/here' }],
      ['a malformed reference', { resultOf: 'g1' }],
    ])('invalidResultReference for %s', async (_label, reference) => {
      const responses = await call(ann.accessToken, [
        ['User/get', { accountId: ann.id, ids: [ann.id] }, 'g1'],
        ['Core/echo', { '#x': reference }, 'e'],
      ]);
      expect(responses[1]).toEqual([
        'error',
        expect.objectContaining({ type: 'invalidResultReference' }),
        'e',
      ]);
    });

    it('invalidArguments when an argument is given both directly and by reference', async () => {
      const responses = await call(ann.accessToken, [
        ['User/get', { accountId: ann.id, ids: [ann.id] }, 'g1'],
        [
          'User/get',
          {
            accountId: ann.id,
            ids: [],
            '#ids': { resultOf: 'g1', name: 'User/get', path: '/list/*/id' },
          },
          'g2',
        ],
      ]);
      expect(responses[1]).toEqual([
        'error',
        expect.objectContaining({ type: 'invalidArguments' }),
        'g2',
      ]);
    });
  });

  it('refuses deep nesting and U+0000 as notRequest, and prototype names as unknownMethod', async () => {
    // Built as text: JSON.stringify itself cannot write this deep (which is the point).
    const deep = `{"using":["${CORE}"],"methodCalls":[["Core/echo",{"x":${'['.repeat(5000)}${']'.repeat(5000)}},"c"]]}`;
    const nested = await http('POST', '/jmap/api', { token: ann.accessToken, rawBody: deep });
    expect(nested.status).toBe(400);
    expect(nested.body.type).toBe('urn:ietf:params:jmap:error:notRequest');
    const nul = await jmap(ann.accessToken, [['Core/echo', { x: 'a\u0000b' }, 'c']]);
    expect(nul.status).toBe(400);
    const proto = await call(ann.accessToken, [
      ['constructor/get', { accountId: ann.id }, 'a'],
      ['__proto__/get', { accountId: ann.id }, 'b'],
    ]);
    expect(proto.map(([, args]) => args.type)).toEqual(['unknownMethod', 'unknownMethod']);
  });

  it('never answers bad input with a 500', async () => {
    const bodies = [
      '',
      'null',
      '"x"',
      '{"using":null}',
      '{"using":[],"methodCalls":[[null,null,null]]}',
      '\u0000',
      '{'.repeat(5000),
    ];
    for (const rawBody of bodies) {
      const res = await http('POST', '/jmap/api', { token: ann.accessToken, rawBody });
      expect(res.status).toBe(400);
      expect(res.text).not.toMatch(/at .*\.js:\d+/);
    }
    const weird = await call(ann.accessToken, [
      ['User/get', { accountId: ann.id, ids: [{}, null, 5] }, 'a'],
      ['User/query', { accountId: ann.id, filter: { operator: 'XOR', conditions: 1 } }, 'b'],
      ['User/query', { accountId: ann.id, position: 'first' }, 'c'],
    ]);
    for (const [name, args] of weird) {
      expect(name).toBe('error');
      expect(['invalidArguments', 'unsupportedFilter']).toContain(args.type);
    }
  });
});
