import './messaging-prefix';
import { randomBytes } from 'node:crypto';
import { BLOB_PART_BYTES, BlobSubjects, RemoteError } from '@jchat/contracts';
import { Harness } from './messaging-support';

describe('blob store of the messaging service', () => {
  const h = new Harness();
  let ann: string;
  let bob: string;
  let eve: string;
  let room: string;

  beforeAll(async () => {
    await h.start();
    ann = await h.user('Ann');
    bob = await h.user('Bob');
    eve = await h.user('Eve');
    room = await h.conversation([{ userId: ann }, { userId: bob }]);
  }, 30000);

  afterAll(() => h.stop());

  async function upload(accountId: string, data: Buffer, type = 'application/octet-stream') {
    const uploadId = randomBytes(12).toString('base64url');
    const parts = Math.ceil(data.length / BLOB_PART_BYTES);
    // Parts may arrive in any order.
    for (let part = parts - 1; part >= 0; part--) {
      const slice = data.subarray(part * BLOB_PART_BYTES, (part + 1) * BLOB_PART_BYTES);
      await h.bus.request(BlobSubjects.uploadPart, {
        accountId,
        uploadId,
        part,
        data: slice.toString('base64'),
      });
    }
    return h.bus.request(BlobSubjects.uploadCommit, {
      accountId,
      uploadId,
      parts,
      size: data.length,
      type,
    });
  }

  async function download(accountId: string, blobId: string): Promise<Buffer> {
    const open = await h.bus.request(BlobSubjects.downloadOpen, { accountId, blobId });
    const chunks: Buffer[] = [];
    for (let part = 0; part < open.parts; part++) {
      const { data } = await h.bus.request(BlobSubjects.downloadPart, { accountId, blobId, part });
      chunks.push(Buffer.from(data, 'base64'));
    }
    return Buffer.concat(chunks);
  }

  it('stores a multi-part blob and gives it back byte for byte', async () => {
    const data = randomBytes(BLOB_PART_BYTES * 2 + 1234);
    const blob = await upload(ann, data, 'image/png');
    expect(blob).toEqual({
      accountId: ann,
      blobId: expect.stringMatching(/^B[A-Za-z0-9_-]+$/),
      type: 'image/png',
      size: data.length,
    });
    expect((await download(ann, blob.blobId)).equals(data)).toBe(true);
  });

  it('refuses an incomplete upload', async () => {
    const uploadId = randomBytes(12).toString('base64url');
    await h.bus.request(BlobSubjects.uploadPart, {
      accountId: ann,
      uploadId,
      part: 1,
      data: 'AAAA',
    });
    await expect(
      h.bus.request(BlobSubjects.uploadCommit, {
        accountId: ann,
        uploadId,
        parts: 2,
        size: 6,
        type: 'text/plain',
      }),
    ).rejects.toThrow(RemoteError);
  });

  it('lets members of a conversation whose message attaches it download, nobody else', async () => {
    const data = Buffer.from('hello attachment');
    const blob = await upload(ann, data, 'text/plain');
    await expect(download(bob, blob.blobId)).rejects.toMatchObject({ code: 'not_found' });
    const id = await h.send(ann, room, 'see file', {
      attachments: [{ blobId: blob.blobId, type: 'text/plain', name: 'hello.txt' }],
    });
    const got = await h.call(bob, 'Message/get', { ids: [id], properties: ['attachments'] });
    expect(got['list'][0]['attachments']).toEqual([
      { blobId: blob.blobId, type: 'text/plain', name: 'hello.txt', size: data.length },
    ]);
    expect((await download(bob, blob.blobId)).toString()).toBe('hello attachment');
    await expect(download(eve, blob.blobId)).rejects.toMatchObject({ code: 'not_found' });
    // Bob cannot attach Eve's blob he cannot read.
    const eves = await upload(eve, Buffer.from('eve'), 'text/plain');
    const [res] = await h.jmap(bob, [
      [
        'Message/set',
        {
          create: {
            x: {
              conversationId: room,
              attachments: [{ blobId: eves.blobId, type: 'text/plain', name: 'e.txt' }],
            },
          },
        },
      ],
    ]);
    expect(res![1]['notCreated']['x']).toMatchObject({
      type: 'invalidProperties',
      properties: ['attachments'],
    });
  });

  it('purges unreferenced blobs older than a day, keeping attached ones', async () => {
    const lonely = await upload(ann, Buffer.from('nobody needs me'));
    const kept = await upload(ann, Buffer.from('attached'));
    await h.send(ann, room, 'keep', {
      attachments: [{ blobId: kept.blobId, type: 'text/plain', name: 'k.txt' }],
    });
    await h.db.query(`UPDATE blobs SET created_at = now() - interval '2 days' WHERE id = ANY($1)`, [
      [lonely.blobId, kept.blobId],
    ]);
    const { BlobsService } = await import('../../apps/messaging/src/blobs/blobs.service');
    const service = h.get(BlobsService);
    await service.purge();
    const { rows } = await h.db.query('SELECT id FROM blobs WHERE id = ANY($1)', [
      [lonely.blobId, kept.blobId],
    ]);
    expect(rows.map((r) => r.id)).toEqual([kept.blobId]);
  });
});
