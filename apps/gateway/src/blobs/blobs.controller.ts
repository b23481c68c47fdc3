import {
  Controller,
  Get,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomToken } from '@jchat/common';
import { BLOB_PART_BYTES, BlobSubjects, DomainException } from '@jchat/contracts';
import { BusClient } from '@jchat/bus';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, JwtAuthGuard } from '../auth/jwt-auth.guard';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { BodyTooLargeError } from '../http/read-body';
import { requestIdOf } from '../http/request-info';
import { ConcurrencyLimiter } from '../jmap/concurrency-limiter';
import { contentDisposition, downloadType, mediaTypeOr } from './blob-http';

/**
 * RFC 8620 §6: blob upload and download. Bytes go to the messaging service's blob store over
 * NATS in parts of BLOB_PART_BYTES (each request well under NATS' 1 MB payload limit), so the
 * gateway never holds more than one part of a blob in memory and needs no database.
 */
@Controller('jmap')
@UseGuards(JwtAuthGuard)
export class BlobsController {
  private readonly uploads: ConcurrencyLimiter;

  constructor(
    private readonly bus: BusClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.uploads = new ConcurrencyLimiter(config.JMAP_MAX_CONCURRENT_UPLOAD);
  }

  @Post('upload/:accountId')
  async upload(
    @CurrentUser() user: AuthUser,
    @Param('accountId') accountId: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (accountId !== user.userId) throw new DomainException('not_found', 'no such account');
    const limit = this.config.JMAP_MAX_SIZE_UPLOAD;
    const declared = Number(req.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      throw new BodyTooLargeError(limit);
    }
    if (!this.uploads.tryAcquire(user.userId)) {
      req.resume();
      throw new DomainException(
        'rate_limited',
        `at most ${this.config.JMAP_MAX_CONCURRENT_UPLOAD} uploads at once`,
      );
    }
    try {
      const requestId = requestIdOf(req);
      const uploadId = randomToken(18);
      let pending: Buffer = Buffer.alloc(0);
      let part = 0;
      let size = 0;
      const send = async (data: Buffer) => {
        await this.bus.request(
          BlobSubjects.uploadPart,
          { accountId, uploadId, part, data: data.toString('base64') },
          { requestId },
        );
        part += 1;
      };
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limit) {
          req.resume();
          throw new BodyTooLargeError(limit);
        }
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        while (pending.length >= BLOB_PART_BYTES) {
          await send(pending.subarray(0, BLOB_PART_BYTES));
          pending = pending.subarray(BLOB_PART_BYTES);
        }
      }
      if (pending.length > 0) await send(pending);
      const type = mediaTypeOr(req.get('content-type'), 'application/octet-stream');
      const blob = await this.bus.request(
        BlobSubjects.uploadCommit,
        { accountId, uploadId, parts: part, size, type },
        { requestId },
      );
      res.status(HttpStatus.CREATED).json(blob);
    } finally {
      this.uploads.release(user.userId);
    }
  }

  @Get('download/:accountId/:blobId/:name')
  async download(
    @CurrentUser() user: AuthUser,
    @Param('accountId') accountId: string,
    @Param('blobId') blobId: string,
    @Param('name') name: string,
    @Query('type') typeParameter: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const type = downloadType(typeParameter);
    if (accountId !== user.userId) throw new DomainException('not_found', 'no such blob');
    const requestId = requestIdOf(req);
    const blob = await this.bus.request(
      BlobSubjects.downloadOpen,
      { accountId, blobId },
      { requestId },
    );
    const etag = `"${blob.blobId}"`;
    res.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
    res.setHeader('ETag', etag);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    if (req.get('if-none-match') === etag) {
      res.status(HttpStatus.NOT_MODIFIED).end();
      return;
    }
    res.setHeader('Content-Type', type ?? mediaTypeOr(blob.type, 'application/octet-stream'));
    res.setHeader('Content-Disposition', contentDisposition(name));
    res.setHeader('Content-Length', String(blob.size));
    res.status(HttpStatus.OK);
    try {
      for (let part = 0; part < blob.parts; part++) {
        const { data } = await this.bus.request(
          BlobSubjects.downloadPart,
          { accountId, blobId, part },
          { requestId },
        );
        if (!res.write(Buffer.from(data, 'base64'))) {
          await new Promise<void>((resolve) => res.once('drain', resolve));
        }
      }
      res.end();
    } catch (error: unknown) {
      // Headers are out: the only honest signal left is a cut connection.
      res.destroy(error instanceof Error ? error : undefined);
    }
  }
}
