import type { Message } from '@jchat/db';
import { horizonState } from '@jchat/jmap';
import type { StateEvents } from '../events/state-events';
import type { MessagingConfig } from '../config';
import { MessageSendQueue, SendQueueFull } from './message-send.queue';
import type {
  BatchOutcome,
  BatchStaging,
  MessageSendRepository,
  PendingSend,
  SendResult,
} from './message-send.repository';

function pending(id: string): PendingSend {
  return {
    conversationId: 'c1',
    assumed: null,
    row: {
      id,
      senderId: 'u1',
      body: id,
      bodyType: 'text/plain',
      proposedSentAt: null,
      replyToMessageId: null,
      attachments: [],
      metadata: {},
      clientKey: null,
      isSystemMessage: false,
    },
  };
}

function storedMessage(send: PendingSend, seq: number): Message {
  const at = new Date('2026-01-01T00:00:00Z');
  return {
    id: send.row.id,
    conversationId: send.conversationId,
    senderId: send.row.senderId,
    body: send.row.body,
    bodyType: send.row.bodyType,
    sentAt: at,
    receivedAt: at,
    editedAt: null,
    isDeleted: false,
    isSystemMessage: false,
    replyToMessageId: null,
    attachments: [],
    reactions: {},
    deliveryStatus: 'sent',
    readBy: [],
    metadata: {},
    seq: BigInt(seq),
    clientMessageId: null,
    modseq: 1n,
    createdModseq: 1n,
  };
}

function setup(options: { maxQueued?: number; maxBatch?: number; maxWaitMs?: number } = {}) {
  const batches: string[][] = [];
  let seq = 0;
  let failures: unknown[] = [];
  let release: (() => void) | null = null;
  let hold = false;
  const staged: string[] = [];
  let readHorizon = () => ({ modseq: 42n, fingerprint: 'f' });
  const repository = {
    insertBatch: async (sends: PendingSend[], staging?: BatchStaging): Promise<BatchOutcome> => {
      batches.push(sends.map((s) => s.row.id));
      if (hold) await new Promise<void>((resolve) => (release = resolve));
      const failure = failures.shift();
      if (failure) throw failure;
      if (sends.some((s) => s.row.body === 'poison') && sends.length > 1)
        throw new Error('bad row');
      // Staged only when the batch commits, as in the one statement the real repository runs.
      const outboxIds = new Map<string, string>();
      for (const [conversationId, payload] of staging?.events ?? []) {
        expect(payload).toMatchObject({
          conversationId,
          types: ['Message', 'Conversation', 'Participant'],
        });
        staged.push(`${conversationId}#${staged.length + 1}`);
        outboxIds.set(conversationId, staged.at(-1) as string);
      }
      const results: SendResult[] = sends.map((s) =>
        s.row.body === 'poison'
          ? { kind: 'refused', reason: 'no-conversation' }
          : { kind: 'stored', message: storedMessage(s, (seq += 1)) },
      );
      return { results, outboxIds, horizonAfter: readHorizon() };
    },
  } as unknown as MessageSendRepository;
  const announced: string[][] = [];
  const settled: string[] = [];
  const announcedWith: (string | undefined)[] = [];
  const announcedStates: (string | undefined)[] = [];
  const events = {
    createdIntent: (conversationId: string) => ({
      conversationId,
      types: ['Message', 'Conversation', 'Participant'],
    }),
    settle: (outboxId: string) => settled.push(outboxId),
    created: async (
      _conversationId: string,
      messages: { view: { id: unknown } }[],
      state: string | undefined,
      outboxId?: string,
    ) => {
      announced.push(messages.map((m) => String(m.view.id)));
      announcedStates.push(state);
      announcedWith.push(outboxId);
    },
  } as unknown as StateEvents;
  const config = {
    MESSAGE_SEND_MAX_QUEUED: options.maxQueued ?? 100,
    MESSAGE_SEND_MAX_BATCH: options.maxBatch ?? 50,
    MESSAGE_SEND_MAX_WAIT_MS: options.maxWaitMs ?? 60_000,
  } as MessagingConfig;
  const queue = new MessageSendQueue(repository, events, config);
  return {
    queue,
    batches,
    announced,
    staged,
    settled,
    announcedWith,
    announcedStates,
    hold: () => (hold = true),
    release: () => {
      hold = false;
      release?.();
    },
    failNext: (...errors: unknown[]) => (failures = errors),
    horizonReads: (read: () => { modseq: bigint; fingerprint: string }) => (readHorizon = read),
  };
}

describe('MessageSendQueue', () => {
  it('stores a lone send at once and sends arriving meanwhile together', async () => {
    const t = setup();
    t.hold();
    const first = t.queue.send(pending('a'));
    const rest = ['b', 'c', 'd'].map((id) => t.queue.send(pending(id)));
    t.release();
    const results = await Promise.all([first, ...rest]);
    expect(t.batches).toEqual([['a'], ['b', 'c', 'd']]);
    expect(results.map((r) => r.kind)).toEqual(['stored', 'stored', 'stored', 'stored']);
    // One event per conversation and batch, in order (announced after the answers).
    for (let turn = 0; turn < 50 && t.announced.length < 2; turn += 1) await Promise.resolve();
    expect(t.announced).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('answers and announces each batch with the horizon read after its commit', async () => {
    const t = setup();
    let reads = 0;
    t.horizonReads(() => {
      reads += 1;
      return { modseq: BigInt(100 + reads), fingerprint: 'f' };
    });
    t.hold();
    const first = t.queue.send(pending('a'));
    const rest = ['b', 'c'].map((id) => t.queue.send(pending(id)));
    t.release();
    const results = await Promise.all([first, ...rest]);
    // One read per batch, after its commit, shared by its senders and its push.
    expect(results.map((r) => r.horizonAfter.modseq)).toEqual([101n, 102n, 102n]);
    expect(reads).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.announcedStates).toEqual([
      horizonState({ modseq: 101n, fingerprint: 'f' }),
      horizonState({ modseq: 102n, fingerprint: 'f' }),
    ]);
  });

  it('stages the event of each batch with the batch and announces it under that id', async () => {
    const t = setup();
    t.hold();
    const first = t.queue.send(pending('a'));
    const rest = ['b', 'c'].map((id) => t.queue.send(pending(id)));
    t.release();
    await Promise.all([first, ...rest]);
    for (let turn = 0; turn < 50 && t.announced.length < 2; turn += 1) await Promise.resolve();
    // One staged event per conversation and batch, published under its outbox id.
    expect(t.staged).toEqual(['c1#1', 'c1#2']);
    expect(t.announcedWith).toEqual(['c1#1', 'c1#2']);
    expect(t.settled).toEqual([]);
  });

  it('stages nothing for a batch that failed', async () => {
    const t = setup();
    t.failNext(new Error('disk full'));
    await expect(t.queue.send(pending('a'))).rejects.toThrow('disk full');
    expect(t.staged).toEqual([]);
    expect(t.settled).toEqual([]);
    expect(t.announced).toEqual([]);
  });

  it('settles the staged event of a conversation whose sends were all refused', async () => {
    const t = setup();
    const result = await t.queue.send(pending('poison'));
    expect(result).toMatchObject({ kind: 'refused', reason: 'no-conversation' });
    expect(t.staged).toEqual(['c1#1']);
    expect(t.settled).toEqual(['c1#1']);
    expect(t.announced).toEqual([]);
  });

  it('refuses sends past the bound with a retry hint instead of queueing them', async () => {
    const t = setup({ maxQueued: 2 });
    t.hold();
    const running = t.queue.send(pending('a'));
    const queued = [t.queue.send(pending('b')), t.queue.send(pending('c'))];
    await expect(t.queue.send(pending('d'))).rejects.toBeInstanceOf(SendQueueFull);
    await t.queue.send(pending('e')).catch((error: SendQueueFull) => {
      expect(error.retryAfterMs).toBeGreaterThan(0);
    });
    t.release();
    await Promise.all([running, ...queued]);
    expect(t.batches.flat()).toEqual(['a', 'b', 'c']);
  });

  it('refuses, without storing them, sends that waited too long for their batch', async () => {
    jest.useFakeTimers();
    try {
      const t = setup({ maxWaitMs: 1000 });
      t.hold();
      const running = t.queue.send(pending('a'));
      const late = t.queue.send(pending('late'));
      jest.advanceTimersByTime(1500);
      const fresh = t.queue.send(pending('fresh'));
      t.release();
      await expect(late).rejects.toBeInstanceOf(SendQueueFull);
      await expect(running).resolves.toMatchObject({ kind: 'stored' });
      await expect(fresh).resolves.toMatchObject({ kind: 'stored' });
      expect(t.batches.flat()).toEqual(['a', 'fresh']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('refuses a send whose caller stops waiting before it could be answered', async () => {
    jest.useFakeTimers();
    try {
      const t = setup();
      t.hold();
      const running = t.queue.send(pending('a'));
      const impatient = t.queue.send(pending('impatient'), Date.now() + 1500);
      const patient = t.queue.send(pending('patient'), Date.now() + 60_000);
      jest.advanceTimersByTime(1000);
      t.release();
      await expect(impatient).rejects.toBeInstanceOf(SendQueueFull);
      await expect(running).resolves.toMatchObject({ kind: 'stored' });
      await expect(patient).resolves.toMatchObject({ kind: 'stored' });
      expect(t.batches.flat()).toEqual(['a', 'patient']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('retries a batch PostgreSQL aborted as a deadlock', async () => {
    const t = setup();
    t.failNext(new Error('deadlock detected (40P01)'));
    await expect(t.queue.send(pending('a'))).resolves.toMatchObject({ kind: 'stored' });
    expect(t.batches).toEqual([['a'], ['a']]);
  });

  it('stores each send on its own when a batch fails, so one bad send fails alone', async () => {
    const t = setup();
    t.hold();
    const first = t.queue.send(pending('a'));
    const good = t.queue.send(pending('b'));
    const bad = t.queue.send({ ...pending('p'), row: { ...pending('p').row, body: 'poison' } });
    t.release();
    await first;
    expect(await good).toMatchObject({ kind: 'stored' });
    expect(await bad).toMatchObject({ kind: 'refused' });
  });
});
