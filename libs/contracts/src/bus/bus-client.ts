import {
  type ClientProxy,
  ClientProxyFactory,
  NatsRecordBuilder,
  Transport,
} from '@nestjs/microservices';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception';
import { headers as natsHeaders } from 'nats';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import { type AnyContract, type ReplyOf, type RequestOf, subjectOf } from '../contract';
import { isRemoteErrorBody, RemoteError, ServiceUnavailableError } from '../remote-error';

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

/** The one typed way to call another service over NATS request/reply. */
export class BusClient {
  private constructor(private readonly proxy: ClientProxy) {}

  static connect(natsUrl: string): BusClient {
    return new BusClient(
      ClientProxyFactory.create({ transport: Transport.NATS, options: { servers: [natsUrl] } }),
    );
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
      // No subscriber at all (NATS 'no responders') or none in time: the service is down.
      if (
        error instanceof TimeoutError ||
        error instanceof EmptyResponseException ||
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
