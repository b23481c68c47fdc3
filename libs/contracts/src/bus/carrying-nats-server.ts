import { type NatsContext, ServerNats } from '@nestjs/microservices';
import { JSONCodec, type Msg, type NatsConnection, type Payload, type PublishOptions } from 'nats';
import type { RemoteErrorBody } from '../remote-error';
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
 */
export class CarryingNatsServer extends ServerNats {
  override async handleMessage(channel: string, natsMsg: Msg): Promise<unknown> {
    try {
      const staged = stagedHeaderOf(natsMsg);
      if (!staged) return await super.handleMessage(channel, natsMsg);
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
        return undefined;
      }
      return await super.handleMessage(channel, derivedMsg(natsMsg, { data }));
    } catch (error: unknown) {
      this.logger.error(`a message on ${channel} was not handled: ${describe(error)}`);
      return undefined;
    }
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
