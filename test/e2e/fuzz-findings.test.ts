// Regression tests for what `npm run test:fuzz` found (issue #10), each through the gateway as
// the fuzzer sent it.
import {
  CHAT,
  CORE,
  call,
  http,
  jmap,
  newUser,
  type Invocation,
  type TestUser,
} from './support/http';
import { JmapSocket } from './support/push-clients';

/**
 * Core/echo calls each referring twice to the whole answer before: written out, the last
 * answer holds 2^(count-1) copies of the first.
 */
function doublingEchoes(count: number, pad: string): Invocation[] {
  const calls: Invocation[] = [['Core/echo', { pad }, 'e0']];
  for (let i = 1; i < count; i++) {
    const ref = { resultOf: `e${i - 1}`, name: 'Core/echo', path: '' };
    calls.push(['Core/echo', { '#a': ref, '#b': ref }, `e${i}`]);
  }
  return calls;
}

describe('fuzz findings', () => {
  let ann: TestUser;

  beforeAll(async () => {
    ann = await newUser({ displayName: 'Ann Fuzz' });
  });

  describe('UTCDates PostgreSQL cannot hold, or that do not exist', () => {
    it('answers invalidArguments for a Message/query filter on the year 0000 (was serverFail)', async () => {
      const responses = await call(ann.accessToken, [
        [
          'Message/query',
          { accountId: ann.id, filter: { before: '0000-01-01T00:00:00.000Z' } },
          'a',
        ],
        ['Message/query', { accountId: ann.id, filter: { after: '2024-02-30T00:00:00Z' } }, 'b'],
        ['Message/query', { accountId: ann.id, filter: { after: '0001-01-01T00:00:00Z' } }, 'c'],
      ]);
      expect(responses[0]).toEqual([
        'error',
        expect.objectContaining({ type: 'invalidArguments' }),
        'a',
      ]);
      expect(responses[1]).toEqual([
        'error',
        expect.objectContaining({ type: 'invalidArguments' }),
        'b',
      ]);
      expect(responses[2][0]).toBe('Message/query');
    });
  });

  describe('result references that double the arguments at every call', () => {
    it('answers requestTooLarge once they outgrow what a request may carry, over HTTP', async () => {
      const res = await jmap(ann.accessToken, doublingEchoes(63, 'x'.repeat(1000)), {
        using: [CORE],
      });
      expect(res.status).toBe(200);
      const responses = res.body.methodResponses;
      expect(responses).toHaveLength(63);
      // a dozen doublings of the 1 kB pad pass the limits (maxSizeRequest, the response budget)
      const firstError = responses.findIndex(([name]) => name === 'error');
      expect(firstError).toBeGreaterThan(10);
      expect(firstError).toBeLessThan(16);
      expect(responses[firstError][1].type).toBe('requestTooLarge');
      // the calls after it refer to an error, not to an echo
      for (const [name, args] of responses.slice(firstError + 1)) {
        expect(name).toBe('error');
        expect(['requestTooLarge', 'invalidResultReference']).toContain(args.type);
      }
      expect(res.text.length).toBeLessThan(20_000_000);
    });

    it('refuses to hand such arguments to a service', async () => {
      const calls = doublingEchoes(30, 'y'.repeat(100));
      calls.push([
        'Message/query',
        {
          accountId: ann.id,
          '#filter': { resultOf: 'e29', name: 'Core/echo', path: '' },
        },
        'q',
      ]);
      const responses = await call(ann.accessToken, calls);
      const [name, args, callId] = responses.at(-1)!;
      expect([name, callId]).toEqual(['error', 'q']);
      // the echo it names was refused already: a reference to an error, never a serverFail
      expect(['requestTooLarge', 'invalidResultReference']).toContain(args.type);
    });

    it('refuses arguments that references make larger than maxSizeRequest', async () => {
      const whole = { resultOf: 'e0', name: 'Core/echo', path: '' };
      const responses = await call(ann.accessToken, [
        ['Core/echo', { pad: 'w'.repeat(3_000_000) }, 'e0'],
        [
          'Message/query',
          {
            accountId: ann.id,
            '#filter': whole,
            '#sort': whole,
            '#anchor': whole,
            '#limit': whole,
          },
          'q',
        ],
      ]);
      expect(responses[1]).toEqual([
        'error',
        expect.objectContaining({ type: 'requestTooLarge' }),
        'q',
      ]);
    });

    it('answers requestTooLarge over the WebSocket too, and the socket lives on', async () => {
      const socket = await JmapSocket.open(ann.accessToken);
      try {
        const response = await socket.request(doublingEchoes(63, 'z'.repeat(100_000)), [CORE]);
        expect(response['@type']).toBe('Response');
        const errors = response.methodResponses.filter(([name]: Invocation) => name === 'error');
        expect(errors.length).toBeGreaterThan(50);
        expect(errors[0][1].type).toBe('requestTooLarge');
        const echo = await socket.request([['Core/echo', { still: 'here' }, 'c']], [CORE, CHAT]);
        expect(echo.methodResponses).toEqual([['Core/echo', { still: 'here' }, 'c']]);
      } finally {
        await socket.close();
      }
    });

    it('counts echoes against the response budget', async () => {
      // 60 echoes of one 1 MB value: 60 MB written out, past the 16 MB budget
      const ref = { resultOf: 'e0', name: 'Core/echo', path: '/pad' };
      const calls: Invocation[] = [['Core/echo', { pad: 'p'.repeat(1_000_000) }, 'e0']];
      for (let i = 1; i < 60; i++) calls.push(['Core/echo', { '#pad': ref }, `e${i}`]);
      const res = await jmap(ann.accessToken, calls, { using: [CORE] });
      expect(res.status).toBe(200);
      // each echo is its own 1 MB, so about 16 fit the 16 MB response budget
      const refused = res.body.methodResponses.filter(([name]) => name === 'error');
      expect(refused.length).toBeGreaterThan(40);
      expect(refused.length).toBeLessThan(50);
      expect(refused.every(([, args]) => args.type === 'requestTooLarge')).toBe(true);
      expect(res.text.length).toBeLessThan(20_000_000);
      const after = await http('GET', '/health');
      expect(after.status).toBe(200);
    });
  });
});
