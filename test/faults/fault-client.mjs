// The fault suite's client: sends steadily through the gateway, each message with its own
// clientMessageId, retrying a send with the same key until it is acknowledged (as a real client
// does), and checks at the end that every acknowledged message exists exactly once.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

const CORE = 'urn:ietf:params:jmap:core';
const CHAT = 'urn:ietf:params:jmap:chat';
const SENDS_PER_SECOND = 20;
const IN_FLIGHT = 4;
const RETRY_MS = 250;
const REQUEST_TIMEOUT_MS = 10_000;
const PAGE = 500;

async function post(base, route, body, token) {
  const response = await fetch(`${base}${route}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

async function retrying(what, attempt, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: ${error.message}`);
      await sleep(RETRY_MS);
    }
  }
}

async function newUser(base, name) {
  const tag = randomBytes(5).toString('hex');
  const email = `${name}-${tag}@faults.test`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const registered = await post(base, '/auth/register', { email, password, displayName: name });
  if (registered.status !== 201)
    throw new Error(`register: ${registered.status} ${registered.text}`);
  const login = await post(base, '/auth/login', { email, password });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${login.text}`);
  return { id: registered.json.id, token: login.json.accessToken };
}

export class FaultClient {
  /** clientMessageId -> { id, ackedAt } */
  acked = new Map();
  #pending = []; // clientMessageIds not yet acknowledged, oldest first
  #next = 0;
  #sending = false;
  #loop;
  #tick;
  #outcomes = {};
  #phaseOutcomes = {};

  constructor(base, sender, conversationId) {
    this.base = base;
    this.sender = sender;
    this.conversationId = conversationId;
  }

  static async create(base) {
    const ann = await retrying('register ann', () => newUser(base, 'ann'));
    const bob = await retrying('register bob', () => newUser(base, 'bob'));
    const created = await post(
      base,
      '/jmap/api',
      {
        using: [CORE, CHAT],
        methodCalls: [
          [
            'Conversation/set',
            {
              accountId: ann.id,
              create: {
                c: {
                  conversationType: 'group',
                  privacyLevel: 'private',
                  title: 'Faults',
                  participantIds: [bob.id],
                },
              },
            },
            'c',
          ],
        ],
      },
      ann.token,
    );
    const id = created.json?.methodResponses?.[0]?.[1]?.created?.c?.id;
    if (!id) throw new Error(`Conversation/set: ${created.status} ${created.text}`);
    return new FaultClient(base, ann, id);
  }

  #count(outcome) {
    this.#outcomes[outcome] = (this.#outcomes[outcome] ?? 0) + 1;
    this.#phaseOutcomes[outcome] = (this.#phaseOutcomes[outcome] ?? 0) + 1;
  }

  /** Send outcomes since the last call (what one kill caused). */
  takePhaseOutcomes() {
    const outcomes = this.#phaseOutcomes;
    this.#phaseOutcomes = {};
    return outcomes;
  }

  /** One attempt to store `key`; true once it is acknowledged. */
  async #send(key) {
    let result;
    try {
      result = await post(
        this.base,
        '/jmap/api',
        {
          using: [CORE, CHAT],
          methodCalls: [
            [
              'Message/set',
              {
                accountId: this.sender.id,
                create: {
                  m: {
                    conversationId: this.conversationId,
                    body: `fault-suite ${key}`,
                    metadata: { clientMessageId: key },
                  },
                },
              },
              's',
            ],
          ],
        },
        this.sender.token,
      );
    } catch (error) {
      this.#count(`network: ${error.cause?.code ?? error.name}`);
      return false;
    }
    if (result.status !== 200) {
      this.#count(`HTTP ${result.status}`);
      return false;
    }
    const [name, args] = result.json.methodResponses[0];
    if (name === 'error') {
      this.#count(`error ${args.type}`);
      return false;
    }
    const created = args.created?.m;
    if (created) {
      this.#count('acknowledged');
      const previous = this.acked.get(key);
      if (previous && previous.id !== created.id) this.#count('acknowledged twice, different ids');
      this.acked.set(key, { id: created.id, ackedAt: Date.now() });
      return true;
    }
    this.#count(`notCreated ${args.notCreated?.m?.type}`);
    return false;
  }

  async #worker() {
    while (this.#sending || this.#pending.length > 0) {
      const key = this.#pending.shift();
      if (!key) {
        await sleep(10);
        continue;
      }
      if (!(await this.#send(key))) {
        this.#pending.push(key); // retried later with the same clientMessageId
        await sleep(RETRY_MS);
      }
    }
  }

  startSending() {
    this.#sending = true;
    const tick = setInterval(() => {
      if (this.#pending.length < 1000) this.#pending.push(`fault-${(this.#next += 1)}`);
    }, 1000 / SENDS_PER_SECOND);
    const workers = Array.from({ length: IN_FLIGHT }, () => this.#worker());
    this.#loop = Promise.all(workers).finally(() => clearInterval(tick));
    this.#tick = tick;
  }

  /** Stops making new messages and retries the unacknowledged ones until all are stored. */
  async stopSending() {
    if (!this.#loop) return;
    clearInterval(this.#tick);
    this.#sending = false;
    await this.#loop;
    this.#loop = undefined;
  }

  /** Resolves with the time /health/ready was 200 and a send made after it was acknowledged. */
  async waitUntilHealthy(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const response = await fetch(`${this.base}/health/ready`, {
          signal: AbortSignal.timeout(3000),
        });
        await response.text();
        if (response.status === 200) {
          const probe = `probe-${randomBytes(4).toString('hex')}`;
          if (await this.#send(probe)) return Date.now();
        }
      } catch {
        // the gateway itself may be restarting
      }
      await sleep(RETRY_MS);
    }
    return undefined;
  }

  stats() {
    return { generated: this.#next, acknowledged: this.acked.size, outcomes: this.#outcomes };
  }

  /** Reads the whole conversation back through the API: each acknowledged key exactly once. */
  async verifyExactlyOnce() {
    const seen = new Map(); // clientMessageId -> message ids
    for (let position = 0; ; position += PAGE) {
      const result = await post(
        this.base,
        '/jmap/api',
        {
          using: [CORE, CHAT],
          methodCalls: [
            [
              'Message/query',
              {
                accountId: this.sender.id,
                filter: { conversationId: this.conversationId },
                position,
                limit: PAGE,
              },
              'q',
            ],
            [
              'Message/get',
              {
                accountId: this.sender.id,
                '#ids': { resultOf: 'q', name: 'Message/query', path: '/ids' },
                properties: ['metadata'],
              },
              'g',
            ],
          ],
        },
        this.sender.token,
      );
      const [, got] = result.json?.methodResponses?.[1] ?? [];
      if (!got?.list) throw new Error(`reading back: ${result.status} ${result.text}`);
      for (const message of got.list) {
        const key = message.metadata?.clientMessageId;
        if (!key) continue;
        seen.set(key, [...(seen.get(key) ?? []), message.id]);
      }
      if (got.list.length < PAGE) break;
    }
    const missing = [];
    const wrongId = [];
    for (const [key, { id }] of this.acked) {
      const ids = seen.get(key) ?? [];
      if (ids.length === 0) missing.push(key);
      else if (!ids.includes(id)) wrongId.push(key);
    }
    const duplicated = [...seen].filter(([, ids]) => ids.length > 1).map(([key]) => key);
    return { acked: this.acked.size, stored: seen.size, missing, duplicated, wrongId };
  }
}
