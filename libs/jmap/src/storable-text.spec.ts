import { findUnstorableText, unstorableTextProblem } from './storable-text';

describe('unstorableTextProblem', () => {
  it('refuses U+0000 and lone surrogates, high or low, anywhere', () => {
    expect(unstorableTextProblem('a\u0000b')).toBe('must not contain U+0000');
    expect(unstorableTextProblem('\uD800')).toBe(
      'must not contain a lone UTF-16 surrogate (U+D800)',
    );
    expect(unstorableTextProblem('ab\uDFFF')).toContain('U+DFFF');
    expect(unstorableTextProblem('\uDE00\uD83D')).toContain('U+DE00'); // a pair in the wrong order
    expect(unstorableTextProblem('x\uD83Dy\uDE00')).toContain('U+D83D');
  });

  it('accepts well-formed text, astral characters and private-use ones included', () => {
    for (const text of ['', 'plain', '😀 \uD83D\uDE00', '\uE000\uFFFD\u007f\u0001']) {
      expect(unstorableTextProblem(text)).toBeNull();
    }
  });
});

describe('findUnstorableText', () => {
  it('looks at every string of a JSON value, object keys included', () => {
    expect(findUnstorableText({ a: [1, true, null, { b: 'ok' }] })).toBeNull();
    expect(findUnstorableText({ a: [1, { b: '\uD800' }] })).toContain('surrogate');
    expect(findUnstorableText({ a: { ['\uDC00']: 1 } })).toContain('surrogate');
    expect(findUnstorableText(['x', ['\u0000']])).toBe('must not contain U+0000');
    expect(findUnstorableText('\uD800')).toContain('U+D800');
    expect(findUnstorableText(42)).toBeNull();
  });
});
