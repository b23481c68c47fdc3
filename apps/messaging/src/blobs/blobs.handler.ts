import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type BlobDownloadOpenReply,
  type BlobDownloadOpenRequest,
  type BlobDownloadPartReply,
  type BlobDownloadPartRequest,
  type BlobInfo,
  BlobSubjects,
  type BlobUploadCommitRequest,
  type BlobUploadPartRequest,
  DomainException,
  subjectOf,
} from '@jchat/contracts';
import { isUuid } from '@jchat/common';
import { BlobsService } from './blobs.service';

function checkAccount(accountId: unknown): string {
  if (!isUuid(accountId))
    throw new DomainException('invalid_argument', 'accountId must be a user id');
  return accountId;
}

/** The gateway's upload and download routes talk to these over NATS. */
@Controller()
export class BlobsHandler {
  constructor(private readonly blobs: BlobsService) {}

  @MessagePattern(subjectOf(BlobSubjects.uploadPart))
  async uploadPart(@Payload() req: BlobUploadPartRequest): Promise<Record<string, never>> {
    if (typeof req.data !== 'string')
      throw new DomainException('invalid_argument', 'data must be base64');
    await this.blobs.uploadPart(
      checkAccount(req.accountId),
      String(req.uploadId),
      Number(req.part),
      req.data,
    );
    return {};
  }

  @MessagePattern(subjectOf(BlobSubjects.uploadCommit))
  uploadCommit(@Payload() req: BlobUploadCommitRequest): Promise<BlobInfo> {
    return this.blobs.commit(
      checkAccount(req.accountId),
      String(req.uploadId),
      Number(req.parts),
      Number(req.size),
      String(req.type ?? ''),
    );
  }

  @MessagePattern(subjectOf(BlobSubjects.downloadOpen))
  downloadOpen(@Payload() req: BlobDownloadOpenRequest): Promise<BlobDownloadOpenReply> {
    return this.blobs.openDownload(checkAccount(req.accountId), String(req.blobId));
  }

  @MessagePattern(subjectOf(BlobSubjects.downloadPart))
  async downloadPart(@Payload() req: BlobDownloadPartRequest): Promise<BlobDownloadPartReply> {
    return {
      data: await this.blobs.downloadPart(
        checkAccount(req.accountId),
        String(req.blobId),
        Number(req.part),
      ),
    };
  }
}
