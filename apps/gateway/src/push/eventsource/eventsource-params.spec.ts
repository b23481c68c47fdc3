import { DomainException } from '@jchat/contracts';
import { MAX_PING_SECONDS, MIN_PING_SECONDS, parseEventSourceParams } from './eventsource-params';

describe('parseEventSourceParams (RFC 8620 §7.3)', () => {
  it('defaults to every type, no closing, no pings', () => {
    expect(parseEventSourceParams({})).toEqual({
      types: null,
      closeAfterState: false,
      pingSeconds: 0,
    });
    expect(parseEventSourceParams({ types: '*', closeafter: 'no', ping: '0' }).types).toBeNull();
  });

  it('reads a type list, closeafter=state and clamps ping', () => {
    const params = parseEventSourceParams({
      types: 'Message,Presence',
      closeafter: 'state',
      ping: '1',
    });
    expect(params.types).toEqual(new Set(['Message', 'Presence']));
    expect(params.closeAfterState).toBe(true);
    expect(params.pingSeconds).toBe(MIN_PING_SECONDS);
    expect(parseEventSourceParams({ ping: '99999' }).pingSeconds).toBe(MAX_PING_SECONDS);
    expect(parseEventSourceParams({ ping: '60' }).pingSeconds).toBe(60);
  });

  it('refuses malformed values', () => {
    for (const query of [
      { closeafter: 'never' },
      { ping: '-1' },
      { ping: 'soon' },
      { types: 'Mess age' },
      { ping: ['1', '2'] },
    ]) {
      expect(() => parseEventSourceParams(query)).toThrow(DomainException);
    }
  });
});
