// The bus against a real NATS (max_payload 1 MB): requests and replies larger than one message
// travel whole; what is too large even for that is refused with an error, and nothing that
// comes in or goes out ends the service.
import { randomBytes } from 'node:crypto';
import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, type MicroserviceOptions, Payload } from '@nestjs/microservices';
import { connect, type NatsConnection } from 'nats';
import { contract, RemoteError, subjectOf } from '@jchat/contracts';
import {
  BusClient,
  CarryingNatsServer,
  MAX_CARRIED_BYTES,
  PayloadTooLargeError,
  RpcExceptionFilter,
} from '@jchat/bus';
import { natsUrl } from '../support/env';

interface EchoRequest {
  text: string;
  /** Answer this many copies of `text` instead. */
  repeat?: number;
}

const Echo = contract<EchoRequest, { text: string }>(
  `test.large.${randomBytes(4).toString('hex')}.v1`,
);

const Unserializable = contract<Record<string, never>, { n: unknown }>(
  `test.bigint.${randomBytes(4).toString('hex')}.v1`,
);

@Controller()
class EchoController {
  @MessagePattern(subjectOf(Echo))
  echo(@Payload() request: EchoRequest): { text: string } {
    return { text: request.repeat ? request.text.repeat(request.repeat) : request.text };
  }

  @MessagePattern(subjectOf(Unserializable))
  unserializable(): { n: unknown } {
    return { n: BigInt(1) }; // JSON.stringify throws on it
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

describe('the bus with payloads over one NATS message', () => {
  let app: INestMicroservice;
  let bus: BusClient;
  let raw: NatsConnection;

  beforeAll(async () => {
    app = await NestFactory.createMicroservice<MicroserviceOptions>(EchoModule, {
      strategy: new CarryingNatsServer({ servers: [natsUrl()], queue: 'echo' }),
      logger: false,
    });
    app.useGlobalFilters(new RpcExceptionFilter());
    await app.listen();
    bus = BusClient.connect(natsUrl());
    await bus.ready();
    raw = await connect({ servers: [natsUrl()] });
  });

  afterAll(async () => {
    await bus?.close();
    await raw?.close();
    await app?.close();
  });

  it('carries a 3 MB request and a 3 MB reply whole, multi-byte characters and all', async () => {
    expect(raw.info?.max_payload).toBeLessThan(3_000_000);
    // Three-byte and four-byte characters, so that parts end inside them.
    const text = `€a😀${randomBytes(8).toString('hex')}`.repeat(130_000);
    expect(Buffer.byteLength(text)).toBeGreaterThan(3_000_000);
    await expect(bus.request(Echo, { text })).resolves.toEqual({ text });
    const big = await bus.request(Echo, { text: 'ü😀', repeat: 500_000 });
    expect(big.text).toBe('ü😀'.repeat(500_000));
  });

  it('refuses a request over MAX_CARRIED_BYTES before sending it', async () => {
    const text = 'x'.repeat(MAX_CARRIED_BYTES);
    await expect(bus.request(Echo, { text })).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  it('answers an error for a reply over MAX_CARRIED_BYTES, and goes on serving', async () => {
    const failed = bus.request(
      Echo,
      { text: 'x'.repeat(1024), repeat: MAX_CARRIED_BYTES / 1024 + 1 },
      { timeoutMs: 20_000 },
    );
    await expect(failed).rejects.toBeInstanceOf(RemoteError);
    await expect(failed).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringContaining('too large'),
    });
    await expect(bus.request(Echo, { text: 'still here' })).resolves.toEqual({
      text: 'still here',
    });
  });

  it('answers an error for a reply it cannot serialize, and goes on serving', async () => {
    await expect(bus.request(Unserializable, {})).rejects.toMatchObject({
      code: 'internal',
      message: 'the reply could not be sent',
    });
    await expect(bus.request(Echo, { text: 'still here' })).resolves.toEqual({
      text: 'still here',
    });
  });

  it('survives a message it cannot read', async () => {
    await raw.request(subjectOf(Echo), new TextEncoder().encode('not json'), { timeout: 500 }).then(
      () => undefined,
      () => undefined, // no answer is fine; the process must live on
    );
    await expect(bus.request(Echo, { text: 'still here' })).resolves.toEqual({
      text: 'still here',
    });
  });
});
