import { ClientNats, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { createInbox, type Msg, type MsgHdrs, type NatsConnection } from 'nats';
import { derivedMsg, fetchStaged, sendCarried, stagedHeaderOf } from './staged-payloads';

type SubscriptionHandler = (error: string | Error | null | undefined, msg: Msg) => Promise<unknown>;
type NestSubscriptionHandler = ReturnType<ClientNats['createSubscriptionHandler']>;

/**
 * Nest's NATS client, except that a request or reply over one NATS message travels staged
 * (see staged-payloads.ts) instead of failing with MAX_PAYLOAD_EXCEEDED.
 */
export class CarryingNatsClient extends ClientNats {
  protected override publish(
    partialPacket: ReadPacket,
    callback: (packet: WritePacket) => unknown,
  ): () => void {
    try {
      const nc = this.connection();
      const packet = this.assignPacketId(partialPacket);
      const subject = this.normalizePattern(partialPacket.pattern);
      const serialized = this.serializer.serialize(packet) as {
        data: Uint8Array;
        headers?: MsgHdrs;
      };
      const inbox = createInbox(this.options.inboxPrefix);
      const subscription = nc.subscribe(inbox, {
        callback: this.createSubscriptionHandler(packet, callback) as SubscriptionHandler,
      });
      let release: () => void;
      try {
        release = sendCarried(
          nc,
          serialized.data,
          this.mergeHeaders(serialized.headers) as MsgHdrs | undefined,
          (data, headers) => nc.publish(subject, data, { reply: inbox, headers }),
        );
      } catch (error: unknown) {
        subscription.unsubscribe();
        throw error;
      }
      return () => {
        subscription.unsubscribe();
        release();
      };
    } catch (err: unknown) {
      callback({ err });
      return () => undefined;
    }
  }

  override createSubscriptionHandler(
    packet: Parameters<ClientNats['createSubscriptionHandler']>[0],
    callback: (packet: WritePacket) => unknown,
  ): NestSubscriptionHandler {
    const handle = super.createSubscriptionHandler(packet, callback) as SubscriptionHandler;
    // One message after the other: a reply's end must not overtake its staged body.
    let previous: Promise<unknown> = Promise.resolve();
    const ordered: SubscriptionHandler = (error, msg) => {
      previous = previous
        .then(async () => {
          const staged = error ? undefined : stagedHeaderOf(msg);
          if (!staged) return handle(error, msg);
          const data = await fetchStaged(this.connection(), staged);
          return handle(undefined, derivedMsg(msg, { data }));
        })
        .catch((err: unknown) => callback({ err, isDisposed: true }));
      return previous;
    };
    return ordered as NestSubscriptionHandler;
  }

  private connection(): NatsConnection {
    return this.unwrap<NatsConnection>();
  }
}
