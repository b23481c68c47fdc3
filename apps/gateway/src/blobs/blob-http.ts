import { DomainException } from '@jchat/contracts';

const MAX_MEDIA_TYPE_LENGTH = 255;
// type/subtype tokens, then parameters of printable ASCII only: every value this admits is a
// valid Content-Type header value (setHeader throws on controls and on characters past U+00FF).
const MEDIA_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+([ \t]*;[\x20-\x7e\t]*)?$/;

function isMediaType(value: string): boolean {
  return value.length <= MAX_MEDIA_TYPE_LENGTH && MEDIA_TYPE.test(value);
}

/** The media type to store or serve: the given one if it looks like one, else the fallback. */
export function mediaTypeOr(value: string | undefined, fallback: string): string {
  const trimmed = value?.trim() ?? '';
  return isMediaType(trimmed) ? trimmed : fallback;
}

/**
 * The `type` parameter of a download (the Content-Type to serve), or undefined when it is absent
 * or empty (the blob's own type is served). Anything but one media type is refused with a 400
 * rather than ignored: repeated (`?type=a&type=b` gives an array), or not a media type in
 * printable ASCII.
 */
export function downloadType(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new DomainException('invalid_argument', 'the type parameter must be given at most once');
  }
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (!isMediaType(trimmed)) {
    throw new DomainException(
      'invalid_argument',
      `the type parameter must be a media type such as text/plain; charset=utf-8, in printable ASCII and at most ${MAX_MEDIA_TYPE_LENGTH} characters`,
    );
  }
  return trimmed;
}

/**
 * Content-Disposition for a download: always an attachment (never rendered inline on our origin),
 * with an ASCII fallback name and the exact one in RFC 5987 form. The name is a decoded path
 * segment, so always well-formed UTF-16 (a segment that does not decode is refused by the router
 * with a 400 before this runs).
 */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_') || 'download';
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
