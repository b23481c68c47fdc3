// W1 and W2 of the chat-load benchmark: every member of the group conversations holds one
// WebSocket; senders post Message/set Request frames on theirs, and every member counts the
// messages it holds (from MessagePush, or StateChange + Message/changes + Message/get).
//
// A message body is `tag|sendTime|number|senderIndex|sequence`: latency is receipt time minus
// sendTime (one process, one clock); the number indexes the ledger below. As a real client
// does, a sender retries a message that was refused or not answered with the same body and
// clientMessageId (after a back-off: 50 ms doubling to 2 s, or as long as the server asks),
// until it is accepted, refused for good (a SetError other than a rate limit), or the run ends.
import { writeFileSync } from 'node:fs';
import {
  classifySetReply,
  isMessagePush,
  isRetryable,
  isStateChange,
  JmapSocket,
} from './clients.mjs';
import { delay, Latencies, now, pool, round1, Tally } from './stats.mjs';

const PENDING = 1;
const ACCEPTED = 2;
const SEND_TIMEOUT_MS = 10_000;
const FETCH_TIMEOUT_MS = 10_000;
const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 2000;
const OPEN_LOOP_TICK_MS = 5;
const DELIVERY_SAMPLES = 4_000_000;
/** W1's steady rate counts acceptances from this many seconds in (see steadySettleSeconds). */
const STEADY_AFTER_S = 5;

const backoff = (attempt) => Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempt - 1));

/** Whether a client sends a refused message again: not after a definite SetError. */
const worthRetrying = (kind) => !kind.startsWith('notCreated:') || isRetryable(kind);

/** Every message's fate and which members hold it, plus the counters of the run. */
class Ledger {
  constructor({ tag, members, maxMessages }) {
    this.tag = tag;
    this.members = members;
    this.maxMessages = maxMessages;
    this.status = new Uint8Array(maxMessages);
    this.copies = new Uint16Array(maxMessages);
    this.bytesPerMessage = Math.ceil(members / 8);
    this.holders = new Uint8Array(maxMessages * this.bytesPerMessage);
    this.next = 0;
    this.windowEnd = Infinity;
    /** Acceptances from then on count in the steady rate (W1: once every pipeline is full). */
    this.steadyFrom = Infinity;
    this.counts = {
      messages: 0,
      attempts: 0,
      pending: 0,
      accepted: 0,
      acceptedInWindow: 0,
      acceptedSteady: 0,
      lateReplies: 0,
      deliveries: 0,
      deliveriesInWindow: 0,
      duplicates: 0,
    };
    this.refusals = new Tally();
    this.deliveryLatency = new Latencies(DELIVERY_SAMPLES);
    this.replyLatency = new Latencies(maxMessages);
    /** With JCHAT_BENCH_TRACE: each message's send, reply, first and last delivery times. */
    this.trace = process.env.JCHAT_BENCH_TRACE
      ? {
          sent: new Float64Array(maxMessages),
          reply: new Float64Array(maxMessages),
          first: new Float64Array(maxMessages),
          last: new Float64Array(maxMessages),
        }
      : null;
  }

  get full() {
    return this.next >= this.maxMessages;
  }

  newMessage(sender) {
    const number = this.next++;
    const sentAt = now();
    sender.sequence += 1;
    this.status[number] = PENDING;
    this.counts.messages += 1;
    if (this.trace) this.trace.sent[number] = sentAt;
    const body = `${this.tag}|${sentAt.toFixed(3)}|${number}|${sender.index}|${sender.sequence}`;
    return { number, sentAt, body };
  }

  attempted() {
    this.counts.attempts += 1;
    this.counts.pending += 1;
  }

  replied(message, outcome, late) {
    if (late) this.counts.lateReplies += 1;
    else this.counts.pending -= 1;
    if (outcome.accepted) this.accepted(message, late);
    else if (!late) this.refusals.add(outcome.kind);
  }

  /** The first `created` for a message counts (a retry may be answered with the same one). */
  accepted({ number, sentAt }, late) {
    if (this.status[number] === ACCEPTED) return;
    const at = now();
    this.status[number] = ACCEPTED;
    if (this.trace) this.trace.reply[number] = at;
    this.counts.accepted += 1;
    if (late) return;
    if (at <= this.windowEnd) this.counts.acceptedInWindow += 1;
    if (at >= this.steadyFrom && at <= this.windowEnd) this.counts.acceptedSteady += 1;
    this.replyLatency.add(at - sentAt);
  }

  timedOut() {
    this.counts.pending -= 1;
    this.refusals.add('timeout');
  }

  /** `member` holds the message whose body is in `text` from `start` (just past "tag|"). */
  hold(member, text, start, at) {
    const end1 = text.indexOf('|', start);
    const end2 = text.indexOf('|', end1 + 1);
    const end3 = text.indexOf('|', end2 + 1);
    const number = Number(text.slice(end1 + 1, end2));
    if (Number(text.slice(end2 + 1, end3)) === member.index || !(number < this.next)) return;
    const byte = number * this.bytesPerMessage + (member.position >> 3);
    const bit = 1 << (member.position & 7);
    if (this.holders[byte] & bit) {
      this.counts.duplicates += 1;
      return;
    }
    this.holders[byte] |= bit;
    this.copies[number] += 1;
    if (this.trace) {
      if (!this.trace.first[number]) this.trace.first[number] = at;
      this.trace.last[number] = at;
    }
    this.counts.deliveries += 1;
    if (at <= this.windowEnd) this.counts.deliveriesInWindow += 1;
    this.deliveryLatency.add(at - Number(text.slice(start, end1)));
  }

  /**
   * {expected, missing, unacknowledged, ofUnacknowledged}: deliveries owed for the accepted
   * messages and those still missing; messages never accepted, and their deliveries anyway.
   */
  reckon() {
    let accepted = 0;
    let held = 0;
    let ofUnacknowledged = 0;
    for (let number = 0; number < this.next; number += 1) {
      if (this.status[number] === ACCEPTED) {
        accepted += 1;
        held += this.copies[number];
      } else {
        ofUnacknowledged += this.copies[number];
      }
    }
    const expected = accepted * (this.members - 1);
    return {
      expected,
      missing: expected - held,
      unacknowledged: this.next - accepted,
      ofUnacknowledged,
    };
  }
}

/** One Message/set create of the message; resolves with the outcome, or a timeout. */
function attempt(ledger, sender, message) {
  return new Promise((resolve) => {
    const create = {
      conversationId: sender.conversationId,
      body: message.body,
      metadata: { clientMessageId: `${ledger.tag}-${message.number}` },
    };
    ledger.attempted();
    sender.socket.send([['Message/set', { accountId: sender.id, create: { m: create } }, 'c']], {
      timeoutMs: SEND_TIMEOUT_MS,
      onReply: (frame, late) => {
        const outcome = classifySetReply(frame);
        ledger.replied(message, outcome, late);
        if (!late) resolve(outcome);
      },
      onTimeout: () => {
        ledger.timedOut();
        resolve({ accepted: false, kind: 'timeout', retryAfterMs: 0 });
      },
    });
  });
}

/** Sends a new message, retrying it while worthwhile and the run goes on; true once accepted. */
async function sendMessage(ledger, sender, isSending) {
  const message = ledger.newMessage(sender);
  for (let n = 1; ; n += 1) {
    const outcome = await attempt(ledger, sender, message);
    if (outcome.accepted) return true;
    if (!worthRetrying(outcome.kind) || !isSending() || !sender.socket.isOpen) return false;
    await delay(Math.max(outcome.retryAfterMs, backoff(n)));
  }
}

/** W1: one of a sender's `window` slots, sending its next message once the last is done. */
async function closedLoopSlot(ledger, sender, isSending) {
  while (isSending() && !ledger.full && sender.socket.isOpen) {
    if (!(await sendMessage(ledger, sender, isSending))) await delay(MAX_BACKOFF_MS);
  }
}

/** W1: every sender keeps `window` slots sending for spec.seconds. */
async function closedLoop(ledger, senders, spec) {
  let sending = true;
  for (const sender of senders) {
    for (let slot = 0; slot < spec.window; slot += 1) {
      void closedLoopSlot(ledger, sender, () => sending);
    }
  }
  await delay(spec.seconds * 1000);
  sending = false;
}

/** W2: `rate` messages/s in total, the k-th from sender k mod n, whatever the answers. */
function openLoop(ledger, senders, rate, seconds, startedAt) {
  const total = Math.round(rate * seconds);
  let k = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = now() - startedAt;
      const due = Math.min(total, Math.floor((elapsed / 1000) * rate));
      for (; k < due && !ledger.full; k += 1) {
        void sendMessage(ledger, senders[k % senders.length], () => now() < ledger.windowEnd);
      }
      if (k >= total || ledger.full || elapsed >= seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, OPEN_LOOP_TICK_MS);
  });
}

/**
 * W2's warm-up: the same open loop for spec.warmupSeconds, with its own ledger (its messages'
 * tag differs, so the measured run counts none of them), drained before the window opens.
 */
async function warmUp(spec, members, senders, membersPerConversation) {
  const ledger = new Ledger({
    tag: `${spec.tag}-warm`,
    members: membersPerConversation,
    maxMessages: Math.ceil(spec.rate * spec.warmupSeconds),
  });
  const measured = members.map((member) => member.socket?.onPush);
  for (const member of members) if (member.socket) holdPushedMessages(ledger, member);
  const startedAt = now();
  ledger.windowEnd = startedAt + spec.warmupSeconds * 1000;
  await openLoop(ledger, senders, spec.rate, spec.warmupSeconds, startedAt);
  await drain(ledger, spec.drainSeconds);
  members.forEach((member, i) => {
    if (member.socket) member.socket.onPush = measured[i];
  });
}

/** A member that asked for includeObjects: each MessagePush is the message itself. */
function holdPushedMessages(ledger, member) {
  const marker = `"body":"${ledger.tag}|`;
  member.socket.onPush = (text) => {
    if (!isMessagePush(text)) return;
    const at = now();
    const start = text.indexOf(marker);
    if (start >= 0) ledger.hold(member, text, start + marker.length, at);
  };
}

function failureKind(frame) {
  if (frame['@type'] === 'RequestError') return `request:${String(frame.type).split(':').pop()}`;
  const error = frame.methodResponses?.find(([name]) => name === 'error');
  return error ? `method:${error[1]?.type}` : `unexpected:${frame['@type']}`;
}

/**
 * A member that did not opt in: on a StateChange, Message/changes from the state it holds and
 * Message/get of the created ids (one Request, result reference); one fetch at a time.
 */
function fetchOnStateChange(ledger, member, state, fetchErrors) {
  const prefix = `${ledger.tag}|`;
  let current = state;
  let busy = false;
  let again = false;
  let failuresInARow = 0;
  const fetch = () => {
    if (!member.socket.isOpen) return;
    busy = true;
    again = false;
    const calls = [
      ['Message/changes', { accountId: member.id, sinceState: current, maxChanges: 500 }, 'c'],
      [
        'Message/get',
        {
          accountId: member.id,
          '#ids': { resultOf: 'c', name: 'Message/changes', path: '/created' },
          properties: ['body'],
        },
        'g',
      ],
    ];
    member.socket.send(calls, {
      timeoutMs: FETCH_TIMEOUT_MS,
      onReply: (frame, late) => !late && fetched(frame),
      onTimeout: () => failed('timeout'),
    });
  };
  const fetched = (frame) => {
    const at = now();
    const [[, changes] = [], [name, got] = []] = frame.methodResponses ?? [];
    if (name !== 'Message/get' || !changes?.newState) {
      failed(failureKind(frame));
      return;
    }
    for (const { body } of got.list) {
      if (body?.startsWith(prefix)) ledger.hold(member, body, prefix.length, at);
    }
    current = changes.newState;
    busy = false;
    failuresInARow = 0;
    if (again || changes.hasMoreChanges) fetch();
  };
  const failed = (kind) => {
    fetchErrors.add(kind);
    failuresInARow += 1;
    setTimeout(fetch, backoff(failuresInARow)); // stays busy: StateChanges meanwhile wait for it
  };
  member.socket.onPush = (text) => {
    if (!isStateChange(text) || !text.includes('"Message"')) return;
    if (busy) again = true;
    else fetch();
  };
}

/** Opens and push-enables every member's WebSocket (`concurrency` at a time). */
async function connectMembers(ctx, spec, ledger, fetchErrors) {
  const members = ctx.conversations.flatMap((conversation) =>
    conversation.members.map((user, position) => ({
      ...user,
      position,
      conversationId: conversation.id,
      sequence: 0,
      socket: null,
    })),
  );
  const startedAt = performance.now();
  const { errors } = await pool(members, ctx.concurrency, async (member) => {
    const socket = await JmapSocket.open(ctx.base, member);
    member.socket = socket;
    if (spec.pushObjects) {
      await socket.enablePush(true);
      holdPushedMessages(ledger, member);
      return;
    }
    const reply = await socket.call([['Message/get', { accountId: member.id, ids: [] }, 'g']]);
    const state = reply.methodResponses?.[0]?.[1]?.state;
    if (!state) throw new Error(`Message/get: ${failureKind(reply)}`);
    await socket.enablePush(false);
    fetchOnStateChange(ledger, member, state, fetchErrors);
  });
  const seconds = (performance.now() - startedAt) / 1000;
  return { members, errors, seconds };
}

/** After the window: until every send is answered and every accepted message fully held. */
async function drain(ledger, seconds) {
  const startedAt = performance.now();
  const deadline = startedAt + seconds * 1000;
  while (performance.now() < deadline) {
    if (ledger.counts.pending === 0 && ledger.reckon().missing <= 0) break;
    await delay(100);
  }
  return (performance.now() - startedAt) / 1000;
}

/**
 * Runs one W1 (closed loop: `window` sends in flight per sender) or W2 (open loop at `rate`)
 * workload. ctx: {base, conversations: [{id, members: [user]}], concurrency, monitor()}.
 * spec: {name, tag, pushObjects, sendersPerConversation, window | rate, seconds, drainSeconds,
 * warmupSeconds (W2)}.
 */
export async function runGroupWorkload(ctx, spec) {
  const membersPerConversation = ctx.conversations[0].members.length;
  const maxMessages = Math.ceil(spec.rate ? spec.rate * spec.seconds : 10_000 * spec.seconds);
  const ledger = new Ledger({ tag: spec.tag, members: membersPerConversation, maxMessages });
  const fetchErrors = new Tally();
  const connection = await connectMembers(ctx, spec, ledger, fetchErrors);
  try {
    const senders = connection.members.filter(
      (member) => member.position < spec.sendersPerConversation && member.socket,
    );
    if (spec.rate && spec.warmupSeconds > 0 && spec.pushObjects) {
      await warmUp(spec, connection.members, senders, membersPerConversation);
    }
    const monitor = ctx.monitor();
    await monitor.start();
    const startedAt = now();
    ledger.windowEnd = startedAt + spec.seconds * 1000;
    if (!spec.rate) ledger.steadyFrom = startedAt + steadySettleSeconds(spec) * 1000;
    if (spec.rate) {
      await openLoop(ledger, senders, spec.rate, spec.seconds, startedAt);
    } else {
      await closedLoop(ledger, senders, spec);
    }
    const resources = await monitor.stop();
    const drainSeconds = await drain(ledger, spec.drainSeconds);
    if (ledger.trace) writeTrace(`${process.env.JCHAT_BENCH_TRACE}-${spec.name}.json`, ledger);
    const closedSockets = new Tally();
    for (const { socket } of connection.members) {
      if (socket?.closeCode != null) closedSockets.add(`code ${socket.closeCode}`);
    }
    return groupRecord(spec, ledger, {
      connection,
      senders: senders.length,
      drainSeconds,
      fetchErrors,
      closedSockets,
      resources,
    });
  } finally {
    for (const { socket } of connection.members) socket?.close();
  }
}

/**
 * Each message's times (ms since the epoch; 0: never) for finding where latency comes from: when
 * it was first sent, accepted, first and last held by a member. Lined up with the apps' own
 * timestamps (one clock), a slow message shows which hop held it.
 */
function writeTrace(file, { trace, next }) {
  const times = (array) => Array.from(array.subarray(0, next), (t) => Math.round(t * 10) / 10);
  const { sent, reply, first, last } = trace;
  writeFileSync(
    file,
    JSON.stringify({
      // Lines the trace up with CLOCK_MONOTONIC records (`perf record -k CLOCK_MONOTONIC`).
      clock: { nowMs: now(), monotonicMs: Number(process.hrtime.bigint()) / 1e6 },
      sent: times(sent),
      reply: times(reply),
      first: times(first),
      last: times(last),
    }),
  );
  console.log(`[bench:chat-load] trace of ${next} messages in ${file}`);
}

/**
 * W1 starts with every pipeline empty, so the window's first seconds count the time to fill
 * `window` sends per sender (twice as long with twice the senders): the steady rate leaves
 * them out. The whole window's rate is still reported, counted as ejabberd's harness counts it.
 */
function steadySettleSeconds(spec) {
  return Math.min(STEADY_AFTER_S, spec.seconds / 2);
}

function groupRecord(spec, ledger, run) {
  const { counts, refusals } = ledger;
  const { expected, missing, unacknowledged, ofUnacknowledged } = ledger.reckon();
  const perSecond = (n) => round1(n / spec.seconds);
  return {
    workload: spec.name,
    params: {
      conversations: run.connection.members.length / ledger.members,
      members: ledger.members,
      senders_per_conversation: spec.sendersPerConversation,
      senders: run.senders,
      window: spec.rate ? null : spec.window,
      offered_rate: spec.rate ?? null,
      duration_s: spec.seconds,
      push: spec.pushObjects
        ? 'MessagePush (includeObjects)'
        : 'StateChange + Message/changes + Message/get',
    },
    connected: run.connection.members.length - run.connection.errors.total(),
    connect_errors: run.connection.errors.counts,
    connect_s: round1(run.connection.seconds),
    messages: counts.messages,
    messages_per_s: perSecond(counts.messages),
    attempts: counts.attempts,
    attempts_per_s: perSecond(counts.attempts),
    accepted_total: counts.accepted,
    accepted_in_window_per_s: perSecond(counts.acceptedInWindow),
    accepted_steady_per_s: spec.rate
      ? null
      : round1(counts.acceptedSteady / (spec.seconds - steadySettleSeconds(spec))),
    deliveries_total: counts.deliveries,
    deliveries_in_window_per_s: perSecond(counts.deliveriesInWindow),
    expected_deliveries: expected,
    missing_after_drain: missing,
    duplicate_deliveries: counts.duplicates,
    unacknowledged_messages: unacknowledged,
    deliveries_of_unacknowledged: ofUnacknowledged,
    unanswered_after_drain: counts.pending,
    late_replies: counts.lateReplies,
    refusals: { ...refusals.counts },
    refusals_total: refusals.total(),
    retryable_refusals: Object.entries(refusals.counts)
      .filter(([kind]) => isRetryable(kind))
      .reduce((sum, [, n]) => sum + n, 0),
    fetch_errors: spec.pushObjects ? undefined : { ...run.fetchErrors.counts },
    sockets_closed_by_server: run.closedSockets.counts,
    drain_s: round1(run.drainSeconds),
    latency_delivery: ledger.deliveryLatency.summary(),
    latency_reply: ledger.replyLatency.summary(),
    resources: run.resources,
  };
}
