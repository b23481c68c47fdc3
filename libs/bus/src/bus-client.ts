import { NatsRecordBuilder } from '@nestjs/microservices';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception';
import { headers as natsHeaders } from 'nats';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import { currentRequestId, secondsSince } from '@jchat/common';
import { type AnyContract, type ReplyOf, type RequestOf, subjectOf } from '@jchat/contracts';
import { isRemoteErrorBody, RemoteError, ServiceUnavailableError } from '@jchat/contracts';
import { type BusOutcome, recordBusRequest } from './bus-metrics';
import { CarryingNatsClient } from './carrying-nats-client';
import { PayloadTransferError } from './staged-payloads';

export const REQUEST_ID_HEADER = 'x-request-id';
const DEFAULT_TIMEOUT_MS = 5_000;

export interface RequestOptions {
  timeoutMs?: number;
  /** Default: the request being handled (see runWithRequestId), if any. */
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
    return new BusClient(new CarryingNatsClient({ servers: [natsUrl], noAsyncTraces: true }));
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
    const requestId = options.requestId ?? currentRequestId();
    if (requestId) headers.set(REQUEST_ID_HEADER, requestId);
    const record = new NatsRecordBuilder(payload).setHeaders(headers).build();
    const startedAt = performance.now();
    let outcome: BusOutcome = 'error';
    try {
      const reply = await firstValueFrom(
        this.proxy
          .send<ReplyOf<C>>(subject, record)
          .pipe(timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS)),
      );
      outcome = 'ok';
      return reply;
    } catch (error: unknown) {
      // No subscriber at all (NATS 'no responders'), none in time, one that went away while its
      // staged reply was fetched, or no NATS: the service is out of reach.
      if (
        error instanceof TimeoutError ||
        error instanceof EmptyResponseException ||
        error instanceof PayloadTransferError ||
        isConnectionLoss(error)
      ) {
        outcome = 'unavailable';
        throw new ServiceUnavailableError(subject);
      }
      if (isRemoteErrorBody(error)) throw new RemoteError(error);
      throw error;
    } finally {
      recordBusRequest(contract.subject, outcome, secondsSince(startedAt));
    }
  }

  async close(): Promise<void> {
    await this.proxy.close();
  }
}
