// Message bodies as HTML: Markdown rendered by marked, every HTML (rendered or sent as
// text/html) sanitised by DOMPurify; links open in a new tab without an opener.
import DOMPurify from 'dompurify';
import { marked } from 'marked';
import type { BodyType } from '../state/types';

const ALLOWED_TAGS = [
  'a',
  'b',
  'strong',
  'i',
  'em',
  'u',
  's',
  'del',
  'code',
  'pre',
  'p',
  'br',
  'ul',
  'ol',
  'li',
  'blockquote',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'hr',
  'span',
];

let hooked = false;

export function sanitize(html: string): string {
  if (!hooked) {
    hooked = true;
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A') {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer nofollow');
      }
    });
  }
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ['href', 'title', 'target', 'rel'],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderBody(body: string, bodyType: BodyType): string {
  switch (bodyType) {
    case 'text/markdown':
      return sanitize(marked.parse(body, { async: false, gfm: true, breaks: true }));
    case 'text/html':
      return sanitize(body);
    case 'text/plain':
      return escapeHtml(body).replace(/\n/g, '<br>');
  }
}

/** A search preview: escaped text where only <mark> may remain. */
export function renderSnippet(preview: string): string {
  return DOMPurify.sanitize(preview, { ALLOWED_TAGS: ['mark'], ALLOWED_ATTR: [] });
}
