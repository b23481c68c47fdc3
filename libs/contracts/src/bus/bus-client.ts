import { NatsRecordBuilder } from '@nestjs/microservices';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception';
import { headers as natsHeaders } from 'nats';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import { type AnyContract, type ReplyOf, type RequestOf, subjectOf } from '../contract';
import { isRemoteErrorBody, RemoteError, ServiceUnavailableError } from '../remote-error';
import { CarryingNatsClient } from './carrying-nats-client';
import { PayloadTransferError } from './staged-payloads';

export const REQUEST_ID_HEADER = 'x-request-id';
const DEFAULT_TIMEOUT_MS = 5_000;

export interface RequestOptions {
  timeoutMs?: number;
  requestId?: string;
}

const CONNECTION_LOSS_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_DRAINING', 'DISCONNECT']);

/** NATS itself is unreachable (reconnecting): the call cannot be made now, retry later. */
function isConnectionLoss(error: unknown): boolean {
  // @nestjs/microservices rejects with this string while the client reconnects.
  if (typeof error === 'string') return /connection lost/i.test(error);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECTION_LOSS_CODES.has(code);
}

/**
 * The one typed way to call another service over NATS request/reply. Requests and replies of
 * any size up to MAX_CARRIED_BYTES travel (staged when over one NATS message); a larger request
 * throws PayloadTooLargeError.
 */
export class BusClient {
  private constructor(private readonly proxy: CarryingNatsClient) {}

  static connect(natsUrl: string): BusClient {
    return new BusClient(new CarryingNatsClient({ servers: [natsUrl] }));
  }

  async ready(): Promise<void> {
    await this.proxy.connect();
  }

  async request<C extends AnyContract>(
    contract: C,
    payload: RequestOf<C>,
    options: RequestOptions = {},
  ): Promise<ReplyOf<C>> {
    const subject = subjectOf(contract);
    const headers = natsHeaders();
    if (options.requestId) headers.set(REQUEST_ID_HEADER, options.requestId);
    const record = new NatsRecordBuilder(payload).setHeaders(headers).build();
    try {
      return await firstValueFrom(
        this.proxy
          .send<ReplyOf<C>>(subject, record)
          .pipe(timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS)),
      );
    } catch (error: unknown) {
      // No subscriber at all (NATS 'no responders'), none in time, one that went away while its
      // staged reply was fetched, or no NATS: the service is out of reach.
      if (
        error instanceof TimeoutError ||
        error instanceof EmptyResponseException ||
        error instanceof PayloadTransferError ||
        isConnectionLoss(error)
      ) {
        throw new ServiceUnavailableError(subject);
      }
      if (isRemoteErrorBody(error)) throw new RemoteError(error);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.proxy.close();
  }
}
