import { scrapedGauge, within } from '@jchat/common';

export interface ConsumerState {
  durable: string;
  /** Messages of the stream the consumer has not delivered yet: its lag. */
  pending: number;
  /** Delivered and not acked yet. */
  ackPending: number;
}

type ConsumerReader = () => Promise<ConsumerState[]>;

const readers = new Set<ConsumerReader>();
/** A scrape reads both gauges: one round of consumer info requests serves both. */
const SHARED_READ_MS = 1000;
/** A scrape does not wait longer than this for NATS (a missing series then says "unknown"). */
const READ_TIMEOUT_MS = 1000;
let lastRead: { at: number; states: Promise<ConsumerState[]> } | null = null;

/** Makes the durable consumers of an EventBus part of the lag metrics; returns the unregister. */
export function watchConsumers(reader: ConsumerReader): () => void {
  readers.add(reader);
  return () => {
    readers.delete(reader);
  };
}

async function readAll(): Promise<ConsumerState[]> {
  const results = await Promise.all(
    [...readers].map(async (read) => {
      let states: ConsumerState[] = [];
      const done = await within(
        read().then((read) => {
          states = read;
        }),
        READ_TIMEOUT_MS,
      );
      return done ? states : [];
    }),
  );
  return results.flat();
}

function states(): Promise<ConsumerState[]> {
  const now = Date.now();
  if (!lastRead || now - lastRead.at > SHARED_READ_MS) {
    lastRead = { at: now, states: readAll().catch(() => []) };
  }
  return lastRead.states;
}

scrapedGauge(
  {
    name: 'jchat_jetstream_consumer_pending_messages',
    help: 'Events in the stream not yet delivered to the durable consumer (its lag)',
    labelNames: ['consumer'] as const,
  },
  async () => (await states()).map((state) => [{ consumer: state.durable }, state.pending]),
);

scrapedGauge(
  {
    name: 'jchat_jetstream_consumer_ack_pending_messages',
    help: 'Events delivered to the durable consumer and not acked yet',
    labelNames: ['consumer'] as const,
  },
  async () => (await states()).map((state) => [{ consumer: state.durable }, state.ackPending]),
);
