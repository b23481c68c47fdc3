import { contentDisposition, downloadType, mediaTypeOr } from './blob-http';

describe('mediaTypeOr', () => {
  it('keeps media types and falls back otherwise', () => {
    expect(mediaTypeOr('image/png', 'x/y')).toBe('image/png');
    expect(mediaTypeOr('text/plain; charset=utf-8', 'x/y')).toBe('text/plain; charset=utf-8');
    expect(mediaTypeOr('nonsense', 'application/octet-stream')).toBe('application/octet-stream');
    expect(mediaTypeOr(undefined, 'application/octet-stream')).toBe('application/octet-stream');
    expect(mediaTypeOr('text/html\r\nX-Evil: 1', 'a/b')).toBe('a/b');
    expect(mediaTypeOr('text/plain; charset=\u00ff', 'a/b')).toBe('a/b');
  });
});

describe('contentDisposition', () => {
  it('quotes a safe fallback and encodes the real name', () => {
    expect(contentDisposition('résumé "final".pdf')).toBe(
      `attachment; filename="r_sum_ _final_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf`,
    );
    expect(contentDisposition('a\u0001\u0100\u007f\r\n.txt')).toBe(
      `attachment; filename="a_____.txt"; filename*=UTF-8''a%01%C4%80%7F%0D%0A.txt`,
    );
  });
});

describe('downloadType', () => {
  it('serves one media type of printable ASCII, and the stored type when none is given', () => {
    expect(downloadType('text/plain; charset=utf-8')).toBe('text/plain; charset=utf-8');
    expect(downloadType(' image/png ')).toBe('image/png');
    expect(downloadType(undefined)).toBeUndefined();
    expect(downloadType('')).toBeUndefined();
  });

  it.each([
    ['repeated', ['text/plain', 'text/html']],
    ['nested', { a: 'b' }],
    ['not a media type', 'nonsense'],
    ['U+0100 in a parameter', 'text/plain; charset=\u0100'],
    ['U+0001 in a parameter', 'text/plain; x=\u0001'],
    ['U+007F in a parameter', 'text/plain; x=\u007f'],
    ['Latin-1 in a parameter', 'text/plain; x=\u00e9'],
    ['a line break', 'text/html\r\nX-Evil: 1'],
    ['a Unicode space before a parameter', 'text/plain\u2028; x=1'],
    ['too long', `text/plain; x=${'a'.repeat(250)}`],
  ])('refuses a type that is %s with invalid_argument', (_label, value) => {
    expect(() => downloadType(value)).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message: expect.stringContaining('type'),
      }),
    );
  });
});
