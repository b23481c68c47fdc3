import { passwordProblem } from './password-policy';

describe('passwordProblem', () => {
  it('accepts a long uncommon password', () => {
    expect(passwordProblem('violet-harbour-17', 'ann@example.com')).toBeNull();
  });
  it.each([
    ['short1', 'must be at least 8 characters'],
    ['password', 'is too common'],
    ['Password123', 'is too common'],
    ['aaaaaaaaaa', 'must not repeat a single character'],
    ['ann@example.com', 'must not be your email address'],
    ['x'.repeat(73), 'must be at most 72 bytes'],
  ])('refuses %s', (password, problem) => {
    expect(passwordProblem(password, 'ann@example.com')).toBe(problem);
  });
});
