// What the user does: send (optimistic, retried with the same clientMessageId until stored),
// edit, delete, react, reply, mark read, type, page back through history.
import type { GetResponse, QueryResponse, SetResponse } from '@jchat/jmap-client';
import { JmapRequestError } from '@jchat/jmap-client';
import type { ChatEngine } from './chat-engine';
import { type Attachment, type Message, MESSAGE_PROPERTIES, type PendingMessage } from './types';

const PAGE = 40;
const TYPING_EVERY_MS = 3000;

export class ChatActions {
  private lastTypingAt = 0;
  private typingIn: string | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** conversationId → the message we last marked read there */
  private readonly markedRead = new Map<string, string>();

  constructor(private readonly engine: ChatEngine) {
    engine.onMessagesSeen = () => void this.markOpenRead();
  }

  private get store() {
    return this.engine.store;
  }

  private get accountId() {
    return this.engine.accountId;
  }

  /** The latest page, or the page before the oldest loaded message. */
  async loadOlder(conversationId: string): Promise<void> {
    const entry = this.store.conversationMessages(conversationId);
    const oldest = entry.loaded
      ? [...entry.byId.values()].sort((a, b) => a.sentAt.localeCompare(b.sentAt))[0]
      : undefined;
    const batch = this.engine.client.batch();
    const query = batch.call<QueryResponse>('Message/query', {
      accountId: this.accountId,
      filter: { conversationId },
      sort: [{ property: 'sentAt', isAscending: false }],
      ...(oldest ? { anchor: oldest.id, anchorOffset: 1 } : {}),
      limit: PAGE,
    });
    const get = batch.call<GetResponse<Message>>('Message/get', {
      accountId: this.accountId,
      ids: query.ref('/ids'),
      properties: MESSAGE_PROPERTIES,
    });
    const result = await this.engine.client.run(batch);
    const ids = result.get(query).ids;
    entry.loaded = true;
    entry.hasOlder = ids.length === PAGE;
    this.store.putMessages(result.get(get).list);
    void this.engine.loadUsers(result.get(get).list.map((m) => m.senderId ?? ''));
  }

  open(conversationId: string | null): void {
    this.engine.openConversationId = conversationId;
    if (conversationId) void this.markOpenRead();
  }

  /** Marks the open conversation read up to its last message (`markRead`, our extension). */
  async markOpenRead(): Promise<void> {
    const conversationId = this.engine.openConversationId;
    if (!conversationId || document.visibilityState !== 'visible') return;
    const conversation = this.store.conversations.get(conversationId);
    const lastId = conversation?.lastMessageId;
    if (!conversation || !lastId) return;
    if (conversation.unreadCount)
      this.store.putConversations([{ ...conversation, unreadCount: 0 }]);
    if (this.markedRead.get(conversationId) === lastId) return;
    this.markedRead.set(conversationId, lastId);
    await this.set({ markRead: [lastId] }).catch(() => this.markedRead.delete(conversationId));
  }

  send(
    conversationId: string,
    body: string,
    replyToMessageId: string | null,
    attachments: Attachment[],
  ): void {
    const pending: PendingMessage = {
      clientMessageId: crypto.randomUUID(),
      conversationId,
      body,
      replyToMessageId,
      attachments,
      sentAt: new Date().toISOString(),
      status: 'sending',
    };
    this.store.pending.set(pending.clientMessageId, pending);
    this.store.changed();
    this.stopTyping();
    void this.deliver(pending);
  }

  /** Sends again every failed message (after a reconnection, or when asked). */
  retryFailed(): void {
    for (const pending of this.store.pending.values()) {
      if (pending.status === 'failed') void this.deliver(pending);
    }
  }

  private async deliver(pending: PendingMessage): Promise<void> {
    pending.status = 'sending';
    this.store.changed();
    try {
      const answer = await this.set({
        create: {
          m: {
            conversationId: pending.conversationId,
            body: pending.body,
            bodyType: 'text/markdown',
            ...(pending.replyToMessageId ? { replyToMessageId: pending.replyToMessageId } : {}),
            ...(pending.attachments.length > 0 ? { attachments: pending.attachments } : {}),
            metadata: { clientMessageId: pending.clientMessageId },
          },
        },
      });
      const created = answer.created?.['m'] as { id: string } | undefined;
      if (created) {
        if (this.store.pending.has(pending.clientMessageId))
          await this.engine.fetchMessages([created.id]);
        this.store.pending.delete(pending.clientMessageId);
        this.store.changed();
        return;
      }
      const error = answer.notCreated?.['m'];
      if (error?.type === 'rateLimit') {
        const wait = Number(error['retryAfterMs'] ?? 1000);
        setTimeout(() => void this.deliver(pending), wait);
        return;
      }
      this.fail(pending, error?.description ?? error?.type ?? 'not sent');
    } catch (error) {
      this.fail(pending, error instanceof Error ? error.message : 'not sent');
      if (error instanceof JmapRequestError && error.transient) this.scheduleRetry();
    }
  }

  private fail(pending: PendingMessage, _reason: string): void {
    pending.status = 'failed';
    this.store.changed();
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.store.connection === 'online') this.retryFailed();
      else this.scheduleRetry();
    }, 2000);
  }

  async edit(messageId: string, body: string): Promise<void> {
    await this.set({ update: { [messageId]: { body, bodyType: 'text/markdown' } } });
    await this.engine.fetchMessages([messageId]);
  }

  async remove(messageId: string): Promise<void> {
    await this.set({ destroy: [messageId] });
    await this.engine.fetchMessages([messageId]);
  }

  async react(message: Message, emoji: string): Promise<void> {
    const mine = !!message.reactions?.[emoji]?.[this.accountId];
    await this.set({
      update: { [message.id]: { [`reactions/${emoji}/${this.accountId}`]: mine ? null : true } },
    });
    await this.engine.fetchMessages([message.id]);
  }

  async history(messageId: string): Promise<Message['history']> {
    const batch = this.engine.client.batch();
    const get = batch.call<GetResponse<Message>>('Message/get', {
      accountId: this.accountId,
      ids: [messageId],
      properties: ['id', 'history'],
    });
    return (await this.engine.client.run(batch)).get(get).list[0]?.history ?? [];
  }

  /** Tells the others we are typing, at most every few seconds. */
  typing(conversationId: string): void {
    const now = Date.now();
    if (this.typingIn === conversationId && now - this.lastTypingAt < TYPING_EVERY_MS) return;
    this.typingIn = conversationId;
    this.lastTypingAt = now;
    void this.presence({ isTypingIn: conversationId });
  }

  stopTyping(): void {
    if (!this.typingIn) return;
    this.typingIn = null;
    void this.presence({ isTypingIn: null });
  }

  private async presence(patch: Record<string, unknown>): Promise<void> {
    const batch = this.engine.client.batch();
    batch.call('Presence/set', { accountId: this.accountId, update: { [this.accountId]: patch } });
    await this.engine.client.run(batch).catch(() => undefined);
  }

  async set(args: Record<string, unknown>, type = 'Message'): Promise<SetResponse> {
    const batch = this.engine.client.batch();
    const call = batch.call<SetResponse>(`${type}/set`, { accountId: this.accountId, ...args });
    const answer = (await this.engine.client.run(batch)).get(call);
    const failures = { ...answer.notUpdated, ...answer.notDestroyed };
    const first = Object.values(failures)[0];
    if (first) throw new Error(first.description ?? first.type);
    return answer;
  }
}
