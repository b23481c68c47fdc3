/** A stored blob's metadata. */
export interface StoredBlob {
  id: string;
  accountId: string;
  type: string;
  size: number;
  createdAt: Date;
}

/**
 * Where blob bytes live. The PostgreSQL implementation keeps them in `blobs.data`; an
 * S3-compatible store would map parts to a multipart upload and `read` to ranged GETs, keeping
 * the metadata in PostgreSQL for the permission and purge queries.
 */
export interface BlobStore {
  /** Keeps one part of an upload in progress (parts may arrive in any order, on any replica). */
  stagePart(accountId: string, uploadId: string, part: number, data: Buffer): Promise<void>;
  /**
   * Joins parts 0..parts-1 into a new blob. Null when parts are missing or the total size
   * differs from `size` (the staged parts are kept for a retry until they expire).
   */
  commit(
    accountId: string,
    uploadId: string,
    parts: number,
    size: number,
    type: string,
  ): Promise<StoredBlob | null>;
  find(blobId: string): Promise<StoredBlob | null>;
  /** Bytes [offset, offset + length) of the blob. */
  read(blobId: string, offset: number, length: number): Promise<Buffer>;
  /** Deletes blobs created before `createdBefore` that no message or participant refers to. */
  purgeUnreferenced(createdBefore: Date, batch: number): Promise<number>;
  /** Drops parts of uploads that never finished. */
  dropStaleParts(createdBefore: Date): Promise<number>;
}

export const BLOB_STORE = Symbol('BLOB_STORE');
