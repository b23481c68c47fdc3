import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { ContractPayload } from '@jchat/bus';
import {
  type BlobDownloadOpenReply,
  type BlobDownloadOpenRequest,
  type BlobDownloadPartReply,
  type BlobDownloadPartRequest,
  type BlobInfo,
  BlobSubjects,
  type BlobUploadCommitRequest,
  type BlobUploadPartRequest,
  subjectOf,
} from '@jchat/contracts';
import { BlobsService } from './blobs.service';

/** The gateway's upload and download routes talk to these over NATS. */
@Controller()
export class BlobsHandler {
  constructor(private readonly blobs: BlobsService) {}

  @MessagePattern(subjectOf(BlobSubjects.uploadPart))
  async uploadPart(
    @ContractPayload(BlobSubjects.uploadPart) req: BlobUploadPartRequest,
  ): Promise<Record<string, never>> {
    await this.blobs.uploadPart(req.accountId, req.uploadId, req.part, req.data);
    return {};
  }

  @MessagePattern(subjectOf(BlobSubjects.uploadCommit))
  uploadCommit(
    @ContractPayload(BlobSubjects.uploadCommit) req: BlobUploadCommitRequest,
  ): Promise<BlobInfo> {
    return this.blobs.commit(req.accountId, req.uploadId, req.parts, req.size, req.type ?? '');
  }

  @MessagePattern(subjectOf(BlobSubjects.downloadOpen))
  downloadOpen(
    @ContractPayload(BlobSubjects.downloadOpen) req: BlobDownloadOpenRequest,
  ): Promise<BlobDownloadOpenReply> {
    return this.blobs.openDownload(req.accountId, req.blobId);
  }

  @MessagePattern(subjectOf(BlobSubjects.downloadPart))
  async downloadPart(
    @ContractPayload(BlobSubjects.downloadPart) req: BlobDownloadPartRequest,
  ): Promise<BlobDownloadPartReply> {
    return { data: await this.blobs.downloadPart(req.accountId, req.blobId, req.part) };
  }
}
