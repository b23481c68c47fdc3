import { RememberedSessions } from './remembered-sessions';

function setup(ttlMs = 60_000) {
  let now = 1_000_000;
  const sessions = new RememberedSessions(ttlMs, () => now);
  return { sessions, advance: (ms: number) => (now += ms) };
}

describe('RememberedSessions', () => {
  it('answers a confirmed session for its own user until the confirmation is too old', () => {
    const { sessions, advance } = setup();
    expect(sessions.answer('u1', 's1')).toBeUndefined();
    sessions.remember('u1', 's1', sessions.epoch);
    expect(sessions.answer('u1', 's1')).toBe(true);
    // Another user's token naming the session is not vouched for here.
    expect(sessions.answer('u2', 's1')).toBeUndefined();
    advance(59_999);
    expect(sessions.answer('u1', 's1')).toBe(true);
    advance(1);
    expect(sessions.answer('u1', 's1')).toBeUndefined();
    expect(sessions.size).toBe(0);
  });

  it('refuses a revoked session at once, and never takes it back', () => {
    const { sessions } = setup();
    sessions.remember('u1', 's1', sessions.epoch);
    sessions.forget(['s1']);
    expect(sessions.answer('u1', 's1')).toBe(false);
    sessions.remember('u1', 's1', sessions.epoch);
    expect(sessions.answer('u1', 's1')).toBe(false);
  });

  it('does not take a confirmation read before a revocation or a gap', () => {
    const { sessions } = setup();
    const before = sessions.epoch;
    sessions.forget(['other']);
    sessions.remember('u1', 's1', before);
    expect(sessions.answer('u1', 's1')).toBeUndefined();

    const beforeGap = sessions.epoch;
    sessions.connectionChanged(false);
    sessions.connectionChanged(true);
    sessions.remember('u1', 's1', beforeGap);
    expect(sessions.answer('u1', 's1')).toBeUndefined();
    sessions.remember('u1', 's1', sessions.epoch);
    expect(sessions.answer('u1', 's1')).toBe(true);
  });

  it('forgets every confirmation while NATS is away, and takes none until it is back', () => {
    const { sessions } = setup();
    sessions.remember('u1', 's1', sessions.epoch);
    sessions.connectionChanged(false);
    expect(sessions.answer('u1', 's1')).toBeUndefined();
    sessions.remember('u1', 's1', sessions.epoch);
    expect(sessions.answer('u1', 's1')).toBeUndefined();
    sessions.connectionChanged(true);
    expect(sessions.answer('u1', 's1')).toBeUndefined();
    sessions.remember('u1', 's1', sessions.epoch);
    expect(sessions.answer('u1', 's1')).toBe(true);
  });

  it('forgets every confirmation on a revocation it cannot read', () => {
    const { sessions } = setup();
    sessions.remember('u1', 's1', sessions.epoch);
    sessions.remember('u2', 's2', sessions.epoch);
    sessions.forgetAll();
    expect(sessions.answer('u1', 's1')).toBeUndefined();
    expect(sessions.answer('u2', 's2')).toBeUndefined();
  });

  it('remembers nothing when its memory is switched off (Redis answers every time)', () => {
    const { sessions } = setup(0);
    sessions.remember('u1', 's1', sessions.epoch);
    expect(sessions.answer('u1', 's1')).toBeUndefined();
    sessions.forget(['s2']);
    expect(sessions.answer('u2', 's2')).toBeUndefined();
  });

  it('drops expired confirmations as new ones come', () => {
    const { sessions, advance } = setup(1000);
    sessions.remember('u1', 's1', sessions.epoch);
    sessions.remember('u2', 's2', sessions.epoch);
    advance(1000);
    sessions.remember('u3', 's3', sessions.epoch);
    expect(sessions.size).toBe(1);
  });
});
