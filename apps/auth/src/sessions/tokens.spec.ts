import { newRefreshToken, verifyRefreshToken } from './tokens';

const secret = 's'.repeat(40);
const sessionId = '0b8f0c0e-2d7a-4c1e-9a55-3b8a2f1c9d00';

describe('refresh tokens', () => {
  it('carry their session and generation, verified by MAC', () => {
    const token = newRefreshToken({ sessionId, generation: 3 }, secret);
    expect(verifyRefreshToken(token, secret)).toEqual({ sessionId, generation: 3 });
  });

  it('refuse forged, altered or foreign tokens', () => {
    const token = newRefreshToken({ sessionId, generation: 0 }, secret);
    const [sid, , random, mac] = token.split('.');
    expect(verifyRefreshToken(`${sid}.1.${random}.${mac}`, secret)).toBeNull();
    expect(verifyRefreshToken(token, 't'.repeat(40))).toBeNull();
    expect(verifyRefreshToken(`${sessionId}.x`, secret)).toBeNull();
    expect(verifyRefreshToken(`${sessionId}.0.abc.${'A'.repeat(43)}`, secret)).toBeNull();
    expect(verifyRefreshToken('', secret)).toBeNull();
  });
});
