import { bodyText, escapeHtml, sanitizeMessageHtml } from './html-sanitizer';

describe('sanitizeMessageHtml', () => {
  it('removes scripts with their content', () => {
    expect(sanitizeMessageHtml('<p>hi<script>alert(1)</script></p>')).toBe('<p>hi</p>');
  });

  it('removes images (remote resources) and their event handlers', () => {
    expect(sanitizeMessageHtml('<b>x</b><img src="x" onerror="alert(1)">')).toBe('<b>x</b>');
  });

  it('removes event handlers and styles from kept tags', () => {
    expect(sanitizeMessageHtml('<p onclick="evil()" style="background:url(http://t)">a</p>')).toBe(
      '<p>a</p>',
    );
    expect(
      sanitizeMessageHtml('<style>body{}</style><link rel="stylesheet" href="http://x">ok'),
    ).toBe('ok');
  });

  it('keeps safe links and drops javascript: ones', () => {
    expect(sanitizeMessageHtml('<a href="https://example.com">e</a>')).toBe(
      '<a href="https://example.com" rel="noopener noreferrer nofollow" target="_blank">e</a>',
    );
    expect(sanitizeMessageHtml('<a href="javascript:alert(1)">e</a>')).toBe(
      '<a rel="noopener noreferrer nofollow" target="_blank">e</a>',
    );
  });

  it("sets rel and target of links itself, whatever the client's", () => {
    expect(sanitizeMessageHtml('<a href="https://x.test" rel="opener" target="_self">x</a>')).toBe(
      '<a href="https://x.test" rel="noopener noreferrer nofollow" target="_blank">x</a>',
    );
  });

  it('drops frames and forms', () => {
    expect(sanitizeMessageHtml('<iframe src="https://x"></iframe><form><input></form>t')).toBe('t');
  });
});

describe('bodyText', () => {
  it('returns plain bodies unchanged', () => {
    expect(bodyText('a <b>', 'text/plain')).toBe('a <b>');
  });

  it('strips tags and decodes entities of HTML bodies', () => {
    expect(bodyText('<p>Fish &amp; chips</p><p>&lt;ok&gt;&#33;</p>', 'text/html')).toBe(
      'Fish & chips <ok>!',
    );
  });
});

describe('escapeHtml', () => {
  it('escapes the five special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;',
    );
  });
});
