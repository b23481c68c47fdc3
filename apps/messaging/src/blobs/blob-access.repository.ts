import { Injectable } from '@nestjs/common';
import { PrismaService } from '@jchat/db';

/** Who may read a blob: its uploader, and active members of conversations whose messages attach it. */
@Injectable()
export class BlobAccessRepository {
  constructor(private readonly prisma: PrismaService) {}

  async readableBy(userId: string, blobId: string): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<{ one: number }[]>`
      SELECT 1 AS one FROM blobs b
       WHERE b.id = ${blobId}
         AND (b.account_id = ${userId}::uuid
              OR EXISTS (SELECT 1 FROM messages m
                           JOIN participants p ON p.conversation_id = m.conversation_id
                                              AND p.user_id = ${userId}::uuid AND p.is_active
                          WHERE m.attachments @> jsonb_build_array(jsonb_build_object('blobId', b.id))))`;
    return rows.length > 0;
  }
}
