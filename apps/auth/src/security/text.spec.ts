import { normaliseEmail } from './email';
import { displayNameProblem, externalDisplayName, hasControlCharacters } from './text';

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

  it('refuses emails and names with lone UTF-16 surrogates, which PostgreSQL cannot store', () => {
    expect(normaliseEmail('a\uD800@example.com')).toBeNull();
    expect(displayNameProblem('Ann \uDC00')).toBe(
      'must not contain a lone UTF-16 surrogate (U+DC00)',
    );
    expect(displayNameProblem('Ann 😀')).toBeNull();
  });

  it("makes a provider's name storable: no controls or lone surrogates, never cut inside a pair", () => {
    expect(externalDisplayName('  Ann\u0000 \uD800Lee\n ')).toBe('Ann Lee');
    const cut = externalDisplayName(`${'a'.repeat(99)}😀`);
    expect(cut).toBe('a'.repeat(99));
    expect(displayNameProblem(cut)).toBeNull();
    expect(externalDisplayName(`${'a'.repeat(98)}😀b`)).toBe(`${'a'.repeat(98)}😀`);
    expect(externalDisplayName('\u0001')).toBe('');
  });
});
