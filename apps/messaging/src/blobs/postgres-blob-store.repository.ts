import { Injectable } from '@nestjs/common';
import { randomToken } from '@jchat/common';
import { PrismaService } from '@jchat/db';
import type { BlobStore, StoredBlob } from './blob-store';

/** Blobs in PostgreSQL (`blobs`, parts staged in `blob_upload_parts`). */
@Injectable()
export class PostgresBlobStore implements BlobStore {
  constructor(private readonly prisma: PrismaService) {}

  async stagePart(accountId: string, uploadId: string, part: number, data: Buffer): Promise<void> {
    await this.prisma.blobUploadPart.upsert({
      where: { uploadId_part: { uploadId, part } },
      create: { uploadId, part, accountId, data: new Uint8Array(data) },
      update: { accountId, data: new Uint8Array(data) },
    });
  }

  async commit(
    accountId: string,
    uploadId: string,
    parts: number,
    size: number,
    type: string,
  ): Promise<StoredBlob | null> {
    const blobId = `B${randomToken(18)}`;
    return this.prisma.transaction(async (tx) => {
      const staged = await tx.$queryRaw<{ n: bigint; bytes: bigint | null; top: number | null }[]>`
        SELECT count(*) AS n, sum(length(data))::bigint AS bytes, max(part) AS top FROM blob_upload_parts
         WHERE upload_id = ${uploadId} AND account_id = ${accountId}::uuid`;
      const found = staged[0];
      const count = Number(found?.n ?? 0n);
      const bytes = Number(found?.bytes ?? 0n);
      if (count !== parts || bytes !== size || (parts > 0 && found?.top !== parts - 1)) return null;
      const rows = await tx.$queryRaw<{ id: string; size: number; created_at: Date }[]>`
        INSERT INTO blobs (id, account_id, type, size, sha256, data)
        SELECT ${blobId}, ${accountId}::uuid, ${type}, length(joined.data), encode(sha256(joined.data), 'hex'), joined.data
          FROM (SELECT COALESCE(string_agg(data, ''::bytea ORDER BY part), ''::bytea) AS data
                  FROM blob_upload_parts WHERE upload_id = ${uploadId} AND account_id = ${accountId}::uuid) AS joined
        RETURNING id, size, created_at`;
      await tx.blobUploadPart.deleteMany({ where: { uploadId, accountId } });
      const row = rows[0];
      if (!row) return null;
      return { id: row.id, accountId, type, size: row.size, createdAt: row.created_at };
    });
  }

  async find(blobId: string): Promise<StoredBlob | null> {
    return this.prisma.blob.findUnique({
      where: { id: blobId },
      select: { id: true, accountId: true, type: true, size: true, createdAt: true },
    });
  }

  async read(blobId: string, offset: number, length: number): Promise<Buffer> {
    const rows = await this.prisma.$queryRaw<{ data: Uint8Array }[]>`
      SELECT substring(data FROM ${offset + 1}::int FOR ${length}::int) AS data FROM blobs WHERE id = ${blobId}`;
    const data = rows[0]?.data;
    return data ? Buffer.from(data) : Buffer.alloc(0);
  }

  async purgeUnreferenced(createdBefore: Date, batch: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM blobs WHERE id IN (
        SELECT b.id FROM blobs b
         WHERE b.created_at < ${createdBefore.toISOString()}::timestamptz
           AND NOT EXISTS (SELECT 1 FROM messages m
                            WHERE m.attachments @> jsonb_build_array(jsonb_build_object('blobId', b.id)))
           AND NOT EXISTS (SELECT 1 FROM participants p WHERE p.avatar_blob_id = b.id)
         LIMIT ${batch})`;
  }

  async dropStaleParts(createdBefore: Date): Promise<number> {
    const result = await this.prisma.blobUploadPart.deleteMany({
      where: { createdAt: { lt: createdBefore } },
    });
    return result.count;
  }
}
