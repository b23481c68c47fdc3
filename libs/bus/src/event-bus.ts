import { Logger } from '@nestjs/common';
import { InFlight, registerDrainStep, registerHealthProbe } from '@jchat/common';
import {
  AckPolicy,
  connect,
  DeliverPolicy,
  Events as NatsEvents,
  JSONCodec,
  nanos,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
  type Subscription,
} from 'nats';
import {
  type AccountPush,
  MAX_ACCOUNTS_PER_DELIVERY,
  type PushDelivery,
  pushDeliverySubject,
  type PushLagReport,
  pushLagSubject,
} from '@jchat/contracts';
import { type EventContract, eventStreamName, eventSubjectOf } from '@jchat/contracts';
import { busPrefix } from '@jchat/contracts';
import { watchConsumers } from './consumer-metrics';

const codec = JSONCodec();
const STREAM_MAX_AGE_DAYS = 7;

export type EventHandler<T> = (event: T) => Promise<void>;

export interface ConsumeOptions<T> {
  /** Events handled at once (default 1: one after another). */
  concurrency?: number;
  /** Events with the same key are handled in stream order. */
  orderKey?: (event: T) => string;
}

/** The event's order key; '' (one shared order) for an event too malformed to have one. */
function orderKeyOf<T>(options: ConsumeOptions<T>, event: T): string {
  try {
    return options.orderKey?.(event) ?? '';
  } catch {
    return '';
  }
}

/** A counting semaphore: `take` waits while every slot is taken. */
class Slots {
  private waiting: (() => void)[] = [];

  constructor(private free: number) {}

  async take(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
}

/**
 * JetStream for events that must not be lost (durable consumers shared by a
 * service's replicas), plus core NATS for per-account push, which may be lost
 * because clients resync with /changes.
 */
export class EventBus {
  private readonly logger = new Logger('event-bus');
  private readonly running: ConsumerMessages[] = [];
  /** Durable consumers this process consumes with (their lag is a metric). */
  private readonly durables = new Set<string>();
  /** Consume loops running, and events being handled (until acked or nak'ed). */
  private readonly handling = new InFlight();
  private unregister: (() => void)[] = [];

  private constructor(
    readonly connection: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {}

  static async connect(natsUrl: string, name: string): Promise<EventBus> {
    const connection = await connect({
      servers: [natsUrl],
      name,
      maxReconnectAttempts: -1,
      // No stack captured per request and JetStream publish (a cost on every message).
      noAsyncTraces: true,
    });
    const jsm = await connection.jetstreamManager();
    const bus = new EventBus(connection, connection.jetstream(), jsm);
    await bus.ensureStream();
    bus.unregister.push(
      registerHealthProbe('nats', () => jsm.getAccountInfo()),
      registerDrainStep(() => bus.stopConsuming()),
      watchConsumers(() => bus.consumerInfos()),
    );
    return bus;
  }

  /**
   * Shutdown: asks for no more events, and resolves once the events already delivered to this
   * process (being handled, or waiting their turn) are handled and acked. (Giving the waiting
   * ones back with a nak does not work: NATS 2.9 redelivers them to this process's ended pull,
   * where they wait out the ack wait.) Until the connection closes, an event published meanwhile
   * may still be sent to the ended pull: another replica gets it after the ack wait (30 s).
   */
  async stopConsuming(): Promise<void> {
    for (const messages of this.running) messages.stop();
    await this.handling.idle();
  }

  /** The state of each durable consumer this process consumes with (pending = lag). */
  private async consumerInfos(): Promise<
    { durable: string; pending: number; ackPending: number }[]
  > {
    const stream = eventStreamName();
    return Promise.all(
      [...this.durables].map(async (durable) => {
        const info = await this.jsm.consumers.info(stream, durable);
        return { durable, pending: info.num_pending, ackPending: info.num_ack_pending };
      }),
    );
  }

  private async ensureStream(): Promise<void> {
    const name = eventStreamName();
    const config = {
      name,
      subjects: [`${busPrefix()}.events.>`],
      max_age: nanos(STREAM_MAX_AGE_DAYS * 24 * 3600 * 1000),
      duplicate_window: nanos(2 * 60 * 1000),
    };
    try {
      await this.jsm.streams.info(name);
    } catch {
      try {
        await this.jsm.streams.add(config);
      } catch (error: unknown) {
        // Another process may have created it meanwhile.
        await this.jsm.streams.info(name).catch(() => {
          throw error;
        });
      }
    }
  }

  /** Persists one event; `dedupeId` makes a retried publish a no-op within two minutes. */
  async publish<T>(contract: EventContract<T>, event: T, dedupeId?: string): Promise<void> {
    await this.js.publish(
      eventSubjectOf(contract),
      codec.encode(event),
      dedupeId ? { msgID: dedupeId } : undefined,
    );
  }

  /**
   * Sees every event of a kind as it is published, in every replica (a plain subscription, no
   * durable consumer, nothing redelivered): for dropping caches. `onEvent` gets null for an
   * event it cannot read, which should be taken as "anything may have changed".
   */
  watch<T>(contract: EventContract<T>, onEvent: (event: T | null) => void): Subscription {
    return this.connection.subscribe(eventSubjectOf(contract), {
      callback: (error, message) => {
        if (error) return;
        let event: T | null = null;
        try {
          event = codec.decode(message.data) as T;
        } catch {
          this.logger.warn({ subject: message.subject }, 'unreadable event');
        }
        onEvent(event);
      },
    });
  }

  /**
   * Processes events with a durable consumer: every replica using the same
   * `durable` name shares the work, each event is acked after the handler
   * succeeds, and redelivered (with back-off) when it throws. With `concurrency`,
   * up to that many events are handled at once, those with the same `orderKey`
   * one after another in stream order.
   */
  async consume<T>(
    contract: EventContract<T>,
    durable: string,
    handler: EventHandler<T>,
    options: ConsumeOptions<T> = {},
  ): Promise<void> {
    const stream = eventStreamName();
    const name = `${durable}`.replace(/[^A-Za-z0-9_-]/g, '_');
    try {
      await this.jsm.consumers.info(stream, name);
    } catch {
      await this.jsm.consumers.add(stream, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
        filter_subject: eventSubjectOf(contract),
        ack_wait: nanos(30_000),
        max_deliver: 20,
      });
    }
    const concurrency = Math.max(1, options.concurrency ?? 1);
    const consumer = await this.js.consumers.get(stream, name);
    const messages = await consumer.consume({ max_messages: Math.max(256, 4 * concurrency) });
    this.running.push(messages);
    this.durables.add(name);
    const looping = this.handling.begin();
    void this.dispatch(name, messages, handler, options, concurrency).finally(looping);
  }

  /** Hands each delivered event to the handler, `concurrency` at a time, keys in order. */
  private async dispatch<T>(
    durable: string,
    messages: ConsumerMessages,
    handler: EventHandler<T>,
    options: ConsumeOptions<T>,
    concurrency: number,
  ): Promise<void> {
    const slots = new Slots(concurrency);
    const chains = new Map<string, Promise<void>>();
    for await (const message of messages) {
      let event: T;
      try {
        event = codec.decode(message.data) as T;
      } catch {
        this.logger.warn({ durable }, 'dropping an event that is not JSON');
        message.term();
        continue;
      }
      await slots.take();
      const handled = this.handling.begin();
      const key = orderKeyOf(options, event);
      const run = (chains.get(key) ?? Promise.resolve())
        .then(() => this.handleOne(durable, message, event, handler))
        .finally(() => {
          if (chains.get(key) === run) chains.delete(key);
          slots.give();
          handled();
        });
      chains.set(key, run);
    }
  }

  private async handleOne<T>(
    durable: string,
    message: JsMsg,
    event: T,
    handler: EventHandler<T>,
  ): Promise<void> {
    try {
      await handler(event);
      message.ack();
    } catch (error: unknown) {
      this.logger.warn(
        { durable, error: error instanceof Error ? error.message : String(error) },
        'event handler failed; will retry',
      );
      message.nak(Math.min(30_000, 500 * 2 ** Math.min(message.info.redeliveryCount, 6)));
    }
  }

  /**
   * Pushes `push` to every connection of these accounts, whichever gateways hold them: one
   * message per MAX_ACCOUNTS_PER_DELIVERY accounts, the push encoded once. Returns how many
   * accounts it named.
   */
  deliver(accountIds: Iterable<string>, push: AccountPush): number {
    const ids = [...accountIds];
    if (ids.length === 0) return 0;
    const pushJson = JSON.stringify(push);
    const sentAt = Date.now();
    for (let start = 0; start < ids.length; start += MAX_ACCOUNTS_PER_DELIVERY) {
      const chunk = ids.slice(start, start + MAX_ACCOUNTS_PER_DELIVERY);
      const json = `{"accountIds":${JSON.stringify(chunk)},"sentAt":${sentAt},"push":${pushJson}}`;
      this.connection.publish(pushDeliverySubject(), Buffer.from(json));
    }
    return ids.length;
  }

  /**
   * Every push delivery (a gateway's one subscription); resolves once the server has the
   * subscription, so deliveries published from then on arrive.
   */
  async subscribeToDeliveries(onDelivery: (delivery: PushDelivery) => void): Promise<Subscription> {
    const subscription = this.connection.subscribe(pushDeliverySubject(), {
      callback: (error, message) => {
        if (error) return;
        let delivery: PushDelivery;
        try {
          delivery = codec.decode(message.data) as PushDelivery;
        } catch {
          this.logger.warn('dropping an undecodable push delivery');
          return;
        }
        const wellFormed =
          Array.isArray(delivery?.accountIds) &&
          typeof delivery.push === 'object' &&
          delivery.push !== null;
        if (wellFormed) onDelivery(delivery);
        else this.logger.warn('dropping a malformed push delivery');
      },
    });
    await this.connection.flush();
    return subscription;
  }

  /** A gateway's push lag, for the senders to pace themselves by (see pushLagSubject). */
  reportPushLag(report: PushLagReport): void {
    this.connection.publish(pushLagSubject(), codec.encode(report));
  }

  /** Every gateway's push lag reports, in every replica; malformed ones are dropped. */
  watchPushLag(onReport: (report: PushLagReport) => void): Subscription {
    return this.connection.subscribe(pushLagSubject(), {
      callback: (error, message) => {
        if (error) return;
        let report: PushLagReport | null = null;
        try {
          report = codec.decode(message.data) as PushLagReport;
        } catch {
          // dropped below
        }
        if (isPushLagReport(report)) onReport(report);
        else this.logger.warn('dropping a malformed push lag report');
      },
    });
  }

  /**
   * Calls `onChange(false)` when the connection to NATS is lost and `onChange(true)` once it is
   * back: plain subscriptions (watch) miss what is published in between, so what they keep
   * fresh must not be trusted across the gap.
   */
  watchConnection(onChange: (connected: boolean) => void): void {
    void (async () => {
      for await (const status of this.connection.status()) {
        if (status.type === NatsEvents.Disconnect) onChange(false);
        else if (status.type === NatsEvents.Reconnect) onChange(true);
      }
    })();
  }

  async close(): Promise<void> {
    for (const unregister of this.unregister) unregister();
    for (const messages of this.running) messages.stop();
    await this.connection.drain();
  }
}

function isPushLagReport(value: unknown): value is PushLagReport {
  const report = value as Partial<PushLagReport> | null;
  return (
    typeof report?.gatewayId === 'string' &&
    typeof report.lagMs === 'number' &&
    Number.isFinite(report.lagMs) &&
    report.lagMs >= 0 &&
    typeof report.validForMs === 'number' &&
    Number.isFinite(report.validForMs) &&
    report.validForMs > 0
  );
}
