import { type NatsContext, ServerNats } from '@nestjs/microservices';
import {
  JSONCodec,
  type Msg,
  type NatsConnection,
  type Payload,
  type PublishOptions,
  type Subscription,
} from 'nats';
import { InFlight, runWithRequestId } from '@jchat/common';
import type { RemoteErrorBody } from '@jchat/contracts';
import { REQUEST_ID_HEADER } from './bus-client';
import {
  derivedMsg,
  fetchStaged,
  PayloadTooLargeError,
  sendCarried,
  stagedHeaderOf,
} from './staged-payloads';

const json = JSONCodec();
const utf8 = new TextEncoder();

/**
 * Nest's NATS server, except that requests and replies over one NATS message travel staged
 * (see staged-payloads.ts), and that nothing on the way in or out can end the process: Nest
 * sends replies from a detached promise, so a failed publish (MAX_PAYLOAD_EXCEEDED, a closed
 * connection) would be an unhandled rejection. The caller gets an error reply instead.
 *
 * Each request is handled under its caller's request id (the `x-request-id` header: see
 * runWithRequestId), and counted from its arrival until its reply is sent, so that a shutdown
 * can stop taking requests (`stopTakingRequests`) and wait for those in flight (`idle`).
 */
export class CarryingNatsServer extends ServerNats {
  private readonly inFlight = new InFlight();
  /** The end of each request in flight, by the message handed to Nest (see getPublisher). */
  private readonly ends = new WeakMap<Msg, () => void>();

  /** Requests received and not answered yet. */
  get inFlightCount(): number {
    return this.inFlight.count;
  }

  override handleMessage(channel: string, natsMsg: Msg): Promise<unknown> {
    const requestId = natsMsg.headers?.get(REQUEST_ID_HEADER) || undefined;
    const end = this.inFlight.begin();
    return runWithRequestId(requestId, () => this.receive(channel, natsMsg, end));
  }

  /**
   * Stops taking requests: this replica's subscriptions end (NATS hands new requests to the
   * other replicas of the queue group, or answers 'no responders'); the connection stays open
   * for the replies of the requests in flight.
   */
  async stopTakingRequests(): Promise<void> {
    const subscriptions =
      (this as unknown as { subscriptions?: Subscription[] }).subscriptions ?? [];
    await Promise.allSettled(subscriptions.map((subscription) => subscription.drain()));
  }

  /** Resolves once every request received has been answered. */
  idle(): Promise<void> {
    return this.inFlight.idle();
  }

  private async receive(channel: string, natsMsg: Msg, end: () => void): Promise<unknown> {
    try {
      const staged = stagedHeaderOf(natsMsg);
      if (!staged) return await this.handOver(channel, natsMsg, end);
      let data: Uint8Array;
      try {
        data = await fetchStaged(this.connection(), staged);
      } catch (error: unknown) {
        this.logger.error(`a staged request on ${channel} was lost: ${describe(error)}`);
        // No packet id to answer with: the client takes an id-less reply as its own.
        respondError(natsMsg, undefined, {
          code: 'unavailable',
          message: 'the request could not be received whole',
        });
        end();
        return undefined;
      }
      return await this.handOver(channel, derivedMsg(natsMsg, { data }), end);
    } catch (error: unknown) {
      this.logger.error(`a message on ${channel} was not handled: ${describe(error)}`);
      end();
      return undefined;
    }
  }

  /**
   * Nest handles the message; a request ends when its last reply packet is published (see
   * getPublisher), anything else (an event, a message without an id) when Nest is done with it.
   */
  private async handOver(channel: string, msg: Msg, end: () => void): Promise<unknown> {
    this.ends.set(msg, end);
    try {
      return await super.handleMessage(channel, msg);
    } finally {
      // Still here: Nest made no publisher for it, so no reply will end it.
      if (this.ends.get(msg) === end) {
        this.ends.delete(msg);
        end();
      }
    }
  }

  /**
   * Our patterns are plain subjects: Nest's own version first tries JSON.parse on each message's
   * subject, and the exception it catches was a measurable cost per request.
   */
  override getRouteFromPattern(pattern: string): string {
    return pattern.startsWith('{') ? super.getRouteFromPattern(pattern) : pattern;
  }

  override getPublisher(
    natsMsg: Msg,
    id: string,
    ctx: NatsContext,
  ): (response: unknown) => unknown {
    const respond = (payload?: Payload, opts?: PublishOptions): boolean => {
      const data =
        typeof payload === 'string' ? utf8.encode(payload) : (payload ?? new Uint8Array());
      sendCarried(this.connection(), data, opts?.headers, (part, headers) =>
        natsMsg.respond(part, { headers }),
      );
      return true;
    };
    const publish = super.getPublisher(derivedMsg(natsMsg, { respond }), id, ctx);
    const end = this.ends.get(natsMsg);
    this.ends.delete(natsMsg);
    // Serializing or sending may throw (a reply too large, a closed connection): answer that.
    return (response: unknown) => {
      try {
        return publish(response);
      } catch (error: unknown) {
        this.logger.error(`a reply on ${natsMsg.subject} was not sent: ${describe(error)}`);
        return respondError(natsMsg, id, {
          code: 'internal',
          message:
            error instanceof PayloadTooLargeError
              ? `the reply is too large to send (${error.bytes} bytes, at most ${error.maxBytes})`
              : 'the reply could not be sent',
        });
      } finally {
        // Nest's last packet of a reply is marked disposed (an error reply is the last too).
        if (isLastPacket(response)) end?.();
      }
    };
  }

  private connection(): NatsConnection {
    return this.unwrap<NatsConnection>();
  }
}

function respondError(msg: Msg, id: string | undefined, err: RemoteErrorBody): boolean {
  if (!msg.reply) return false;
  try {
    return msg.respond(json.encode({ id, err, isDisposed: true }));
  } catch {
    return false; // the caller times out: nothing else can reach it
  }
}

function isLastPacket(packet: unknown): boolean {
  const fields = packet as { isDisposed?: unknown; err?: unknown } | null;
  return fields?.isDisposed === true || fields?.err !== undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
