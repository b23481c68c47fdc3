/** The media type to store or serve: the given one if it looks like one, else the fallback. */
export function mediaTypeOr(value: string | undefined, fallback: string): string {
  const trimmed = value?.trim() ?? '';
  return trimmed.length > 0 &&
    trimmed.length <= 255 &&
    /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;\s*[^\r\n]*)?$/.test(trimmed)
    ? trimmed
    : fallback;
}

/**
 * Content-Disposition for a download: always an attachment (never rendered inline on our origin),
 * with an ASCII fallback name and the exact one in RFC 5987 form.
 */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_') || 'download';
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
