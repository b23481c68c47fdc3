import { normaliseEmail } from './email';
import { displayNameProblem, hasControlCharacters } from './text';

describe('text checks', () => {
  it('finds C0 controls and DEL, nothing else', () => {
    expect(hasControlCharacters('plain text, ünïcödé ✓')).toBe(false);
    for (const c of ['\u0000', '\n', '\u001f', '\u007f'])
      expect(hasControlCharacters(`a${c}b`)).toBe(true);
  });

  it('refuses emails and names with control characters', () => {
    expect(normaliseEmail(' Ann@Example.com ')).toBe('ann@example.com');
    expect(normaliseEmail('a\u0000@example.com')).toBeNull();
    expect(displayNameProblem('Ann')).toBeNull();
    expect(displayNameProblem('A\u0000nn')).toBe('must not contain control characters');
  });
});
