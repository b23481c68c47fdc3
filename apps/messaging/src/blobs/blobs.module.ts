import { Module } from '@nestjs/common';
import { BlobAccessRepository } from './blob-access.repository';
import { BLOB_STORE } from './blob-store';
import { BlobsHandler } from './blobs.handler';
import { BlobsService } from './blobs.service';
import { PostgresBlobStore } from './postgres-blob-store.repository';

@Module({
  controllers: [BlobsHandler],
  providers: [
    { provide: BLOB_STORE, useClass: PostgresBlobStore },
    BlobAccessRepository,
    BlobsService,
  ],
  exports: [BlobsService],
})
export class BlobsModule {}
