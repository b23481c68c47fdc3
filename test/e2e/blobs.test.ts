// Blob upload and download (RFC 8620 §6) through the gateway.
import { randomBytes } from 'node:crypto';
import { createConversation, ok } from './conversations.fixtures';
import { gatewayUrl, newUser, type TestUser } from './support/http';

async function upload(user: TestUser, data: Buffer, type: string, accountId = user.id) {
  const response = await fetch(`${gatewayUrl()}/jmap/upload/${accountId}/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': type },
    body: data,
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function download(user: TestUser, blobId: string, name: string, type?: string) {
  const query = type ? `?type=${encodeURIComponent(type)}` : '';
  return fetch(
    `${gatewayUrl()}/jmap/download/${user.id}/${blobId}/${encodeURIComponent(name)}${query}`,
    {
      headers: { authorization: `Bearer ${user.accessToken}` },
    },
  );
}

describe('blobs through the gateway', () => {
  let ann: TestUser;
  let bob: TestUser;
  let eve: TestUser;
  let room: string;

  beforeAll(async () => {
    [ann, bob, eve] = await Promise.all([newUser(), newUser(), newUser()]);
    room = (await createConversation(ann, { participantIds: [bob.id] }))['id'];
  });

  it('uploads (201 with accountId, blobId, type, size) and downloads byte for byte, in several parts', async () => {
    const data = randomBytes(1_300_000);
    const uploaded = await upload(ann, data, 'application/pdf');
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toEqual({
      accountId: ann.id,
      blobId: expect.any(String),
      type: 'application/pdf',
      size: data.length,
    });
    const response = await download(
      ann,
      uploaded.body['blobId'],
      'report final.pdf',
      'application/pdf',
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toContain(
      "filename*=UTF-8''report%20final.pdf",
    );
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await response.arrayBuffer()).equals(data)).toBe(true);
  });

  it('refuses uploads to another account and requests without a token', async () => {
    expect((await upload(ann, Buffer.from('x'), 'text/plain', bob.id)).status).toBe(404);
    const anonymous = await fetch(`${gatewayUrl()}/jmap/upload/${ann.id}/`, {
      method: 'POST',
      body: 'x',
    });
    expect(anonymous.status).toBe(401);
  });

  it('serves an attachment to the uploader and the members of its conversation, and 404 to anyone else', async () => {
    const data = Buffer.from('the minutes of the meeting');
    const { body: blob } = await upload(ann, data, 'text/plain');
    // Not attached yet: only the uploader.
    expect((await download(bob, blob['blobId'], 'minutes.txt')).status).toBe(404);
    const sent = await ok(ann, 'Message/set', {
      create: {
        m: {
          conversationId: room,
          body: 'minutes attached',
          attachments: [{ blobId: blob['blobId'], type: 'text/plain', name: 'minutes.txt' }],
        },
      },
    });
    expect(sent['created']['m']['attachments']).toEqual([
      { blobId: blob['blobId'], type: 'text/plain', name: 'minutes.txt', size: data.length },
    ]);
    const bobs = await download(bob, blob['blobId'], 'minutes.txt');
    expect(bobs.status).toBe(200);
    expect(await bobs.text()).toBe('the minutes of the meeting');
    const eves = await download(eve, blob['blobId'], 'minutes.txt');
    expect(eves.status).toBe(404);
    expect((await download(ann, 'Bnosuchblob', 'x.txt')).status).toBe(404);
  });

  it('refuses attaching a blob the sender cannot read', async () => {
    const { body: blob } = await upload(eve, Buffer.from('eve only'), 'text/plain');
    const sent = await ok(bob, 'Message/set', {
      create: {
        m: {
          conversationId: room,
          body: 'stolen',
          attachments: [{ blobId: blob['blobId'], type: 'text/plain', name: 'e.txt' }],
        },
      },
    });
    expect(sent['notCreated']['m']).toMatchObject({
      type: 'invalidProperties',
      properties: ['attachments'],
    });
  });
});
