// Graceful shutdown of a service's bus, against a real NATS and JetStream: a service that stops
// taking requests still answers those in flight, its JetStream consumers stop taking events but
// ack the ones being handled, and the request id travels in the NATS headers into the handler's
// async context (and on into the requests it makes).
import { randomBytes } from 'node:crypto';
import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, type MicroserviceOptions } from '@nestjs/microservices';
import { currentRequestId, metricsText, within } from '@jchat/common';
import { contract, type EventContract, ServiceUnavailableError, subjectOf } from '@jchat/contracts';
import { BusClient, CarryingNatsServer, EventBus, RpcExceptionFilter } from '@jchat/bus';
import { natsUrl } from '../support/env';

const tag = randomBytes(4).toString('hex');
const Slow = contract<Record<string, never>, { requestId: string | null }>(`test.slow.${tag}.v1`);
const Outer = contract<Record<string, never>, { inner: string | null }>(`test.outer.${tag}.v1`);
const Inner = contract<Record<string, never>, { requestId: string | null }>(`test.inner.${tag}.v1`);
const Ping: EventContract<{ n: number }> = { subject: `test.drain.${tag}` };

/** A promise with its resolve function, to hold a handler until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

let bus: BusClient;
let slowStarted = gate();
let slowRelease = gate();

@Controller()
class TestController {
  @MessagePattern(subjectOf(Slow))
  async slow(): Promise<{ requestId: string | null }> {
    slowStarted.open();
    await slowRelease.promise;
    return { requestId: currentRequestId() ?? null };
  }

  @MessagePattern(subjectOf(Outer))
  async outer(): Promise<{ inner: string | null }> {
    await new Promise((resolve) => setImmediate(resolve));
    // No request id given: the bus passes on the one being handled.
    const reply = await bus.request(Inner, {});
    return { inner: reply.requestId };
  }

  @MessagePattern(subjectOf(Inner))
  inner(): { requestId: string | null } {
    return { requestId: currentRequestId() ?? null };
  }
}

@Module({ controllers: [TestController] })
class TestModule {}

describe('a service bus draining for shutdown', () => {
  let app: INestMicroservice;
  let server: CarryingNatsServer;

  beforeAll(async () => {
    server = new CarryingNatsServer({ servers: [natsUrl()], queue: `drain-${tag}` });
    app = await NestFactory.createMicroservice<MicroserviceOptions>(TestModule, {
      strategy: server,
      logger: false,
    });
    app.useGlobalFilters(new RpcExceptionFilter());
    await app.listen();
    bus = BusClient.connect(natsUrl());
    await bus.ready();
  });

  afterAll(async () => {
    await bus?.close();
    await app?.close();
  });

  it('handles a request under the id in its NATS header, and passes it on', async () => {
    await expect(bus.request(Outer, {}, { requestId: 'rid-outer-1' })).resolves.toEqual({
      inner: 'rid-outer-1',
    });
    await expect(bus.request(Inner, {})).resolves.toEqual({ requestId: null });
  });

  it('stops taking requests but answers the one in flight, then is idle', async () => {
    slowStarted = gate();
    slowRelease = gate();
    const inFlight = bus.request(Slow, {}, { requestId: 'rid-slow', timeoutMs: 10_000 });
    await slowStarted.promise;
    expect(server.inFlightCount).toBe(1);

    await server.stopTakingRequests();
    await expect(bus.request(Inner, {}, { timeoutMs: 2000 })).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );
    const idle = server.idle();
    expect(await within(idle, 100)).toBe(false);

    slowRelease.open();
    await expect(inFlight).resolves.toEqual({ requestId: 'rid-slow' });
    expect(await within(idle, 2000)).toBe(true);
    expect(server.inFlightCount).toBe(0);
  });
});

describe('JetStream consumers draining for shutdown', () => {
  let events: EventBus;
  let publisher: EventBus;

  beforeAll(async () => {
    events = await EventBus.connect(natsUrl(), `drain-consumer-${tag}`);
    publisher = await EventBus.connect(natsUrl(), `drain-publisher-${tag}`);
  });

  afterAll(async () => {
    await events?.close().catch(() => undefined); // the test closes it already
    await publisher?.close();
  });

  it('reports its lag, handles and acks what it was given, then takes no more', async () => {
    const durable = `drain_${tag}`;
    const handled: number[] = [];
    const started = gate();
    const release = gate();
    await events.consume(Ping, durable, async (event) => {
      if (event.n === 1) {
        started.open();
        await release.promise;
      }
      handled.push(event.n);
    });
    await publisher.publish(Ping, { n: 1 });
    await started.promise;
    await publisher.publish(Ping, { n: 2 });
    await publisher.publish(Ping, { n: 3 });

    // Event 1 is being handled; 2 and 3 are delivered to this process or waiting in the stream.
    const metrics = (await metricsText()).body;
    const ackPending = metrics.match(
      new RegExp(
        `^jchat_jetstream_consumer_ack_pending_messages\\{consumer="${durable}"\\} (\\d+)$`,
        'm',
      ),
    );
    const pending = metrics.match(
      new RegExp(
        `^jchat_jetstream_consumer_pending_messages\\{consumer="${durable}"\\} (\\d+)$`,
        'm',
      ),
    );
    expect(Number(ackPending?.[1]) + Number(pending?.[1])).toBe(3);

    // Stopping takes no more events; it waits until those delivered here are handled and acked.
    const stopped = events.stopConsuming();
    expect(await within(stopped, 100)).toBe(false);
    release.open();
    expect(await within(stopped, 5000)).toBe(true);
    expect(handled).toEqual([1, 2, 3]);
    await events.close();

    // What is published later goes to another replica (a second bus with the same durable).
    await publisher.publish(Ping, { n: 4 });
    const replica = await EventBus.connect(natsUrl(), `drain-replica-${tag}`);
    try {
      const fourth = gate();
      const redelivered: number[] = [];
      await replica.consume(Ping, durable, async (event) => {
        redelivered.push(event.n);
        fourth.open();
      });
      expect(await within(fourth.promise, 5000)).toBe(true);
      expect(redelivered).toEqual([4]);
      expect(handled).toEqual([1, 2, 3]);
    } finally {
      await replica.close();
    }
  });
});
