import { JmapRequestError, RequestErrorTypes } from './errors';
import { MAX_JSON_DEPTH, parseJsonBody, parseRequest } from './request';

const CORE = 'urn:ietf:params:jmap:core';
const CHAT = 'urn:ietf:params:jmap:chat';
const supported = new Set([CORE, CHAT]);
const limits = { maxCallsInRequest: 3 };

function problemOf(action: () => unknown): Record<string, unknown> {
  try {
    action();
  } catch (error) {
    if (error instanceof JmapRequestError) return { ...error.toProblem() };
    throw error;
  }
  throw new Error('expected a JmapRequestError');
}

describe('parseJsonBody', () => {
  it('parses JSON', () => {
    expect(parseJsonBody('{"a":[1]}')).toEqual({ a: [1] });
  });

  it.each(['', '{', 'undefined', "{'a':1}"])('rejects %p as notJSON', (text) => {
    expect(problemOf(() => parseJsonBody(text))).toMatchObject({
      type: 'urn:ietf:params:jmap:error:notJSON',
      status: 400,
    });
  });
});

describe('parseRequest', () => {
  it('accepts the example request of RFC 8620 §3.3.1', () => {
    const body = {
      using: [CORE, CHAT],
      methodCalls: [
        ['method1', { arg1: 'arg1data', arg2: 'arg2data' }, 'c1'],
        ['method2', { arg1: 'arg1data' }, 'c2'],
        ['method3', {}, 'c3'],
      ],
    };
    expect(parseRequest(body, limits, supported)).toEqual(body);
  });

  it('keeps createdIds', () => {
    const body = { using: [CORE], methodCalls: [], createdIds: { k1: 'id1' } };
    expect(parseRequest(body, limits, supported).createdIds).toEqual({ k1: 'id1' });
  });

  it('ignores unknown top-level properties', () => {
    const parsed = parseRequest({ using: [], methodCalls: [], other: 1 }, limits, supported);
    expect(parsed).toEqual({ using: [], methodCalls: [] });
  });

  it.each([
    ['a non-object', []],
    ['null', null],
    ['a missing using', { methodCalls: [] }],
    ['using of non-strings', { using: [1], methodCalls: [] }],
    ['a missing methodCalls', { using: [] }],
    ['methodCalls not an array', { using: [], methodCalls: {} }],
    ['a call that is not a tuple', { using: [], methodCalls: [{}] }],
    ['a call of two items', { using: [], methodCalls: [['a', {}]] }],
    ['a call of four items', { using: [], methodCalls: [['a', {}, 'c', 1]] }],
    ['a non-string name', { using: [], methodCalls: [[1, {}, 'c']] }],
    ['array arguments', { using: [], methodCalls: [['a', [], 'c']] }],
    ['null arguments', { using: [], methodCalls: [['a', null, 'c']] }],
    ['a non-string call id', { using: [], methodCalls: [['a', {}, 1]] }],
    ['createdIds not an object', { using: [], methodCalls: [], createdIds: [] }],
    ['createdIds with a non-string id', { using: [], methodCalls: [], createdIds: { k: 1 } }],
  ])('rejects %s as notRequest', (_case, body) => {
    expect(problemOf(() => parseRequest(body, limits, supported))).toMatchObject({
      type: 'urn:ietf:params:jmap:error:notRequest',
      status: 400,
    });
  });

  it('names the offending method call', () => {
    const body = { using: [], methodCalls: [['a', {}, 'c1'], ['b']] };
    expect(problemOf(() => parseRequest(body, limits, supported))['detail']).toContain(
      'methodCalls[1]',
    );
  });

  it('rejects more calls than maxCallsInRequest with a limit error', () => {
    const call = ['Core/echo', {}, 'c'];
    const body = { using: [CORE], methodCalls: [call, call, call, call] };
    expect(problemOf(() => parseRequest(body, limits, supported))).toMatchObject({
      type: 'urn:ietf:params:jmap:error:limit',
      status: 400,
      limit: 'maxCallsInRequest',
    });
  });

  it('accepts exactly maxCallsInRequest calls', () => {
    const call = ['Core/echo', {}, 'c'];
    const body = { using: [CORE], methodCalls: [call, call, call] };
    expect(parseRequest(body, limits, supported).methodCalls).toHaveLength(3);
  });

  it('rejects unknown capabilities and lists them', () => {
    const body = { using: [CORE, 'https://example.com/foo', 'urn:x:bar'], methodCalls: [] };
    const problem = problemOf(() => parseRequest(body, limits, supported));
    expect(problem).toMatchObject({
      type: 'urn:ietf:params:jmap:error:unknownCapability',
      status: 400,
    });
    expect(problem['detail']).toContain("'https://example.com/foo'");
    expect(problem['detail']).toContain("'urn:x:bar'");
    expect(problem['detail']).not.toContain(CORE);
  });

  it('does not share arrays with the input', () => {
    const body = { using: [CORE], methodCalls: [['a', {}, 'c']] };
    const parsed = parseRequest(body, limits, supported);
    expect(parsed.using).not.toBe(body.using);
    expect(parsed.methodCalls).not.toBe(body.methodCalls);
  });
});

describe('parseJsonBody shape limits', () => {
  it('refuses nesting deeper than MAX_JSON_DEPTH and U+0000 in strings or keys', () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`;
    expect(() => parseJsonBody(deep)).toThrow(
      expect.objectContaining({ type: RequestErrorTypes.notRequest }),
    );
    const fine = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(() => parseJsonBody(fine)).not.toThrow();
    expect(() => parseJsonBody('{"a":["x\\u0000y"]}')).toThrow(
      expect.objectContaining({ type: RequestErrorTypes.notRequest }),
    );
    expect(() => parseJsonBody('{"a\\u0000":1}')).toThrow(
      expect.objectContaining({ type: RequestErrorTypes.notRequest }),
    );
  });
});
