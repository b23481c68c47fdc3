import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  BLOB_PART_BYTES,
  type BlobDownloadOpenReply,
  type BlobInfo,
  DomainException,
} from '@jchat/contracts';
import { BlobAccessRepository } from './blob-access.repository';
import { BLOB_STORE, type BlobStore, type StoredBlob } from './blob-store';

/** Unreferenced blobs older than this are deleted (RFC 8620 §6.1: at least an hour). */
export const UNREFERENCED_BLOB_TTL_MS = 24 * 3600 * 1000;
/** Parts of an upload that never finished are dropped after this long. */
const STALE_PART_TTL_MS = 3600 * 1000;
const PURGE_EVERY_MS = 15 * 60 * 1000;
const PURGE_BATCH = 500;
const MAX_MEDIA_TYPE_LENGTH = 255;

/** Uploads, permission-checked downloads and the purge of unreferenced blobs. */
@Injectable()
export class BlobsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('blobs');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    private readonly access: BlobAccessRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () => void this.purge().catch((error: unknown) => this.logPurgeError(error)),
      PURGE_EVERY_MS,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async uploadPart(
    accountId: string,
    uploadId: string,
    part: number,
    base64: string,
  ): Promise<void> {
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(uploadId))
      throw new DomainException('invalid_argument', 'bad upload id');
    if (!Number.isSafeInteger(part) || part < 0)
      throw new DomainException('invalid_argument', 'bad part number');
    const data = Buffer.from(base64, 'base64');
    if (data.length > BLOB_PART_BYTES)
      throw new DomainException('invalid_argument', 'part too large');
    await this.store.stagePart(accountId, uploadId, part, data);
  }

  async commit(
    accountId: string,
    uploadId: string,
    parts: number,
    size: number,
    type: string,
  ): Promise<BlobInfo> {
    const mediaType = normaliseMediaType(type);
    const blob = await this.store.commit(accountId, uploadId, parts, size, mediaType);
    if (!blob) throw new DomainException('invalid_argument', 'the upload is incomplete');
    return { accountId, blobId: blob.id, type: blob.type, size: blob.size };
  }

  /** The blob if the user may read it; not_found otherwise (whether or not it exists). */
  async readable(userId: string, blobId: string): Promise<StoredBlob> {
    const blob = /^[A-Za-z0-9_-]{1,255}$/.test(blobId) ? await this.store.find(blobId) : null;
    if (!blob || !(await this.access.readableBy(userId, blobId))) {
      throw new DomainException('not_found', 'no such blob');
    }
    return blob;
  }

  async openDownload(userId: string, blobId: string): Promise<BlobDownloadOpenReply> {
    const blob = await this.readable(userId, blobId);
    return {
      blobId,
      type: blob.type,
      size: blob.size,
      parts: Math.ceil(blob.size / BLOB_PART_BYTES),
    };
  }

  async downloadPart(userId: string, blobId: string, part: number): Promise<string> {
    const blob = await this.readable(userId, blobId);
    if (
      !Number.isSafeInteger(part) ||
      part < 0 ||
      part * BLOB_PART_BYTES >= Math.max(blob.size, 1)
    ) {
      throw new DomainException('invalid_argument', 'no such part');
    }
    const data = await this.store.read(blobId, part * BLOB_PART_BYTES, BLOB_PART_BYTES);
    return data.toString('base64');
  }

  /** Deletes unreferenced blobs older than a day and abandoned upload parts. */
  async purge(now = new Date()): Promise<{ blobs: number; parts: number }> {
    let blobs = 0;
    for (;;) {
      const deleted = await this.store.purgeUnreferenced(
        new Date(now.getTime() - UNREFERENCED_BLOB_TTL_MS),
        PURGE_BATCH,
      );
      blobs += deleted;
      if (deleted < PURGE_BATCH) break;
    }
    const parts = await this.store.dropStaleParts(new Date(now.getTime() - STALE_PART_TTL_MS));
    if (blobs + parts > 0)
      this.logger.log({ blobs, parts }, 'purged unreferenced blobs and stale upload parts');
    return { blobs, parts };
  }

  private logPurgeError(error: unknown): void {
    this.logger.warn(
      { error: error instanceof Error ? error.message : String(error) },
      'blob purge failed',
    );
  }
}

/** The stored media type: the client's, if it looks like one, else application/octet-stream. */
export function normaliseMediaType(type: string): string {
  const trimmed = type.trim().toLowerCase();
  return trimmed.length <= MAX_MEDIA_TYPE_LENGTH &&
    /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(\s*;\s*[^\r\n]*)?$/.test(trimmed)
    ? trimmed
    : 'application/octet-stream';
}
