import { parseClientFrame } from './ws-frames';

describe('parseClientFrame (RFC 8887 §4.3)', () => {
  it('recognises a Request with or without an id', () => {
    expect(parseClientFrame('{"@type":"Request","id":"R1","using":[],"methodCalls":[]}')).toEqual({
      kind: 'request',
      id: 'R1',
      writes: false,
    });
    expect(
      parseClientFrame(
        '{"@type":"Request","using":[],"methodCalls":[["Message/get",{},"a"],["Message/set",{},"b"]]}',
      ),
    ).toEqual({ kind: 'request', id: null, writes: true });
  });

  it('reads WebSocketPushEnable with its defaults and the includeObjects extension', () => {
    expect(parseClientFrame('{"@type":"WebSocketPushEnable"}')).toEqual({
      kind: 'pushEnable',
      dataTypes: null,
      pushState: null,
      includeObjects: [],
    });
    expect(
      parseClientFrame(
        '{"@type":"WebSocketPushEnable","dataTypes":["Message"],"pushState":"a-1","includeObjects":["Message"]}',
      ),
    ).toEqual({
      kind: 'pushEnable',
      dataTypes: ['Message'],
      pushState: 'a-1',
      includeObjects: ['Message'],
    });
    expect(parseClientFrame('{"@type":"WebSocketPushDisable"}')).toEqual({ kind: 'pushDisable' });
  });

  it('answers bad messages with notJSON or notRequest', () => {
    const type = (text: string) => {
      const frame = parseClientFrame(text);
      return frame.kind === 'invalid' ? frame.error.type : frame.kind;
    };
    expect(type('{nope')).toBe('urn:ietf:params:jmap:error:notJSON');
    expect(type('[1]')).toBe('urn:ietf:params:jmap:error:notRequest');
    expect(type('{"using":[]}')).toBe('urn:ietf:params:jmap:error:notRequest');
    expect(type('{"@type":"Request","id":5}')).toBe('urn:ietf:params:jmap:error:notRequest');
    expect(type('{"@type":"WebSocketPushEnable","dataTypes":"Message"}')).toBe(
      'urn:ietf:params:jmap:error:notRequest',
    );
    expect(type('{"@type":"WebSocketPushEnable","includeObjects":["Conversation"]}')).toBe(
      'urn:ietf:params:jmap:error:notRequest',
    );
  });
});
