// Issue 10 ("Hard to break"): hostile input through the gateway is refused with a clear error,
// never a 500 or serverFail, and never leaks or forges anything.
import { gatewayUrl, newUser, type TestUser } from './support/http';

async function upload(user: TestUser, data: string, type: string): Promise<string> {
  const response = await fetch(`${gatewayUrl()}/jmap/upload/${user.id}/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': type },
    body: data,
  });
  if (response.status !== 201) throw new Error(`upload failed: ${response.status}`);
  return ((await response.json()) as { blobId: string }).blobId;
}

/** GET /jmap/download with the name and query already encoded as the test wants them. */
async function download(user: TestUser, blobId: string, encodedName: string, query = '') {
  const response = await fetch(
    `${gatewayUrl()}/jmap/download/${user.id}/${blobId}/${encodedName}${query}`,
    { headers: { authorization: `Bearer ${user.accessToken}` } },
  );
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

describe('downloads with hostile parameters', () => {
  let ann: TestUser;
  let blobId: string;

  beforeAll(async () => {
    ann = await newUser();
    blobId = await upload(ann, 'hello', 'text/plain');
  });

  it.each([
    ['a repeated type', '?type=text/plain&type=text/html'],
    ['a type with U+0100', `?type=${encodeURIComponent('text/plain; charset=\u0100')}`],
    ['a type with U+0001', `?type=${encodeURIComponent('text/plain; x=\u0001')}`],
    ['a type with U+007F', `?type=${encodeURIComponent('text/plain; x=\u007f')}`],
    ['a type that is no media type', '?type=nonsense'],
  ])('answers 400 naming the parameter for %s', async (_label, query) => {
    const response = await download(ann, blobId, 'a.txt', query);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({
      error: 'invalid_argument',
      message: expect.stringContaining('type'),
    });
  });

  // A decoded path segment is always well-formed text; one that does not decode (it would be a
  // lone surrogate, or is no percent-encoding) is refused by the router.
  it.each([
    ['the UTF-8 form of a lone surrogate', '%ED%A0%80.txt'],
    ['a bare percent sign', '100%.txt'],
  ])('answers 400 for a name with %s', async (_label, encodedName) => {
    const response = await download(ann, blobId, encodedName);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({
      error: 'invalid_request',
      message: expect.stringContaining('decode'),
    });
  });

  it('still serves valid parameters, with control and non-Latin-1 characters of the name encoded', async () => {
    const name = encodeURIComponent('r\u0001\u0100\u007f "x".txt');
    const response = await download(ann, blobId, name, '?type=text/plain;%20charset=utf-8');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="r___ _x_.txt"; filename*=UTF-8''r%01%C4%80%7F%20%22x%22.txt`,
    );
    expect(response.text).toBe('hello');
    const untyped = await download(ann, blobId, 'a.txt', '?type=');
    expect(untyped.status).toBe(200);
    expect(untyped.headers.get('content-type')).toBe('text/plain');
  });
});
