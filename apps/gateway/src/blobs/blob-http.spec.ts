import { contentDisposition, mediaTypeOr } from './blob-http';

describe('mediaTypeOr', () => {
  it('keeps media types and falls back otherwise', () => {
    expect(mediaTypeOr('image/png', 'x/y')).toBe('image/png');
    expect(mediaTypeOr('text/plain; charset=utf-8', 'x/y')).toBe('text/plain; charset=utf-8');
    expect(mediaTypeOr('nonsense', 'application/octet-stream')).toBe('application/octet-stream');
    expect(mediaTypeOr(undefined, 'application/octet-stream')).toBe('application/octet-stream');
    expect(mediaTypeOr('text/html\r\nX-Evil: 1', 'a/b')).toBe('a/b');
  });
});

describe('contentDisposition', () => {
  it('quotes a safe fallback and encodes the real name', () => {
    expect(contentDisposition('résumé "final".pdf')).toBe(
      `attachment; filename="r_sum_ _final_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf`,
    );
  });
});
