// Connects the store to the server: the JMAP client (WebSocket with HTTP fallback), the first
// load, `/changes` sync on every push and after every reconnection or wake-up, and the pushed
// objects (MessagePush, Typing).
import {
  JmapClient,
  type GetResponse,
  type PushObject,
  type QueryResponse,
  type SocketLike,
  SyncEngine,
} from '@jchat/jmap-client';
import type { TokenStore } from '../api/auth-api';
import { ChatStore } from './chat-store';
import {
  type Conversation,
  type Message,
  MESSAGE_PROPERTIES,
  type Participant,
  type Presence,
  type User,
} from './types';

export class ChatEngine {
  readonly store = new ChatStore();
  readonly client: JmapClient;
  sync!: SyncEngine;
  /** The conversation on screen (its new messages are marked read). */
  openConversationId: string | null = null;
  private started = false;

  constructor(readonly tokens: TokenStore) {
    this.client = new JmapClient({
      baseUrl: window.location.origin,
      tokens,
      socketFactory: (url, protocol) => new WebSocket(url, protocol) as unknown as SocketLike,
      push: {
        dataTypes: null,
        includeObjects: ['Message'],
        heartbeatMs: 25_000,
        requestTimeoutMs: 10_000,
        onStateChange: (change) => void this.onStateChange(change.changed),
        onPush: (push) => this.onPush(push),
        onStatus: (status, reconnected) => {
          this.store.connection =
            status === 'open' ? 'online' : status === 'connecting' ? 'connecting' : 'offline';
          this.store.changed();
          if (status === 'open' && reconnected) void this.catchUp();
          if (status === 'waiting') this.probe();
        },
      },
    });
  }

  private createSync(): SyncEngine {
    return new SyncEngine({
      accountId: this.accountId,
      run: (batch) => this.client.run(batch),
      handlers: {
        Conversation: {
          apply: (delta) => {
            const changed = [...delta.created, ...delta.updated] as Conversation[];
            this.store.putConversations(changed);
            this.store.removeConversations(delta.destroyed);
            if (changed.some((c) => c.id === this.openConversationId)) this.onMessagesSeen();
            void this.loadUsers(changed.flatMap((c) => c.participantIds));
          },
          reload: () => this.loadConversations(),
        },
        Message: {
          properties: MESSAGE_PROPERTIES,
          apply: (delta) => this.receiveMessages([...delta.created, ...delta.updated] as Message[]),
          reload: () => this.reloadMessages(),
        },
        Presence: {
          apply: (delta) =>
            this.store.putPresence([...delta.created, ...delta.updated] as Presence[]),
          reload: () => this.loadPresence(),
        },
        Participant: {
          apply: (delta) => {
            const touched = new Set(
              ([...delta.created, ...delta.updated] as Participant[]).map((p) => p.conversationId),
            );
            const loaded = [...this.store.participants.keys()];
            for (const id of loaded) {
              if (touched.has(id) || delta.destroyed.length > 0) void this.loadParticipants(id);
            }
          },
          reload: async () => this.participantState(),
        },
      },
    });
  }

  get accountId(): string {
    return this.client.accountId;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.client.start();
    this.sync = this.createSync();
    const batch = this.client.batch();
    const me = batch.call<GetResponse<User>>('User/get', {
      accountId: this.accountId,
      ids: [this.accountId],
    });
    const messages = batch.call<GetResponse<Message>>('Message/get', {
      accountId: this.accountId,
      ids: [],
    });
    const participants = batch.call<GetResponse<Participant>>('Participant/get', {
      accountId: this.accountId,
      ids: [],
    });
    const result = await this.client.run(batch);
    this.store.me = result.get(me).list[0] ?? { id: this.accountId, displayName: 'Me' };
    this.store.putUsers([this.store.me]);
    this.sync.setState('Message', result.get(messages).state);
    this.sync.setState('Participant', result.get(participants).state);
    this.sync.setState('Conversation', await this.loadConversations());
    this.sync.setState('Presence', await this.loadPresence());
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    document.addEventListener('visibilitychange', this.onVisible);
  }

  stop(): void {
    this.client.stop();
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    document.removeEventListener('visibilitychange', this.onVisible);
  }

  /** Every type from its kept state: what happened while we were away, nothing more. */
  async catchUp(): Promise<void> {
    if (!this.sync) return;
    try {
      await this.sync.syncAll();
      this.store.announce('Back online: caught up');
    } catch {
      // offline again: the next reconnection tries again
    }
  }

  /** Conversations (first 200 by activity) with their last messages and people. */
  async loadConversations(): Promise<string> {
    const batch = this.client.batch();
    const query = batch.call<QueryResponse>('Conversation/query', {
      accountId: this.accountId,
      sort: [{ property: 'lastMessageAt', isAscending: false }],
      limit: 200,
    });
    const get = batch.call<GetResponse<Conversation>>('Conversation/get', {
      accountId: this.accountId,
      ids: query.ref('/ids'),
    });
    const result = await this.client.run(batch);
    const { list, state } = result.get(get);
    this.store.conversations.clear();
    this.store.putConversations(list);
    const lastIds = list.map((c) => c.lastMessageId).filter((id): id is string => !!id);
    await Promise.all([
      this.loadUsers(list.flatMap((c) => c.participantIds)),
      lastIds.length > 0 ? this.fetchMessages(lastIds) : Promise.resolve(),
    ]);
    return state;
  }

  async fetchMessages(ids: string[]): Promise<void> {
    const batch = this.client.batch();
    const get = batch.call<GetResponse<Message>>('Message/get', {
      accountId: this.accountId,
      ids,
      properties: MESSAGE_PROPERTIES,
    });
    this.store.putMessages((await this.client.run(batch)).get(get).list);
  }

  async loadUsers(ids: string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.store.users.has(id));
    if (missing.length === 0) return;
    const batch = this.client.batch();
    const get = batch.call<GetResponse<User>>('User/get', {
      accountId: this.accountId,
      ids: missing,
    });
    this.store.putUsers((await this.client.run(batch)).get(get).list);
  }

  async loadPresence(): Promise<string> {
    const batch = this.client.batch();
    const get = batch.call<GetResponse<Presence>>('Presence/get', {
      accountId: this.accountId,
      ids: null,
    });
    const { list, state } = (await this.client.run(batch)).get(get);
    this.store.putPresence(list);
    return state;
  }

  async loadParticipants(conversationId: string): Promise<void> {
    const batch = this.client.batch();
    const query = batch.call<QueryResponse>('Participant/query', {
      accountId: this.accountId,
      filter: { conversationId },
    });
    const get = batch.call<GetResponse<Participant>>('Participant/get', {
      accountId: this.accountId,
      ids: query.ref('/ids'),
    });
    const result = await this.client.run(batch);
    const list = result.get(get).list.filter((p) => p.isActive !== false);
    this.store.participants.set(conversationId, list);
    this.store.changed();
    await this.loadUsers(list.map((p) => p.userId));
  }

  private async participantState(): Promise<string> {
    const batch = this.client.batch();
    const get = batch.call<GetResponse<Participant>>('Participant/get', {
      accountId: this.accountId,
      ids: [],
    });
    const state = (await this.client.run(batch)).get(get).state;
    for (const id of this.store.participants.keys()) await this.loadParticipants(id);
    return state;
  }

  /** After `cannotCalculateChanges` (a conversation joined with history, one left). */
  private async reloadMessages(): Promise<string> {
    const batch = this.client.batch();
    const get = batch.call<GetResponse<Message>>('Message/get', {
      accountId: this.accountId,
      ids: [],
    });
    const state = (await this.client.run(batch)).get(get).state;
    for (const [conversationId, entry] of this.store.messages) {
      if (!this.store.conversations.has(conversationId)) this.store.messages.delete(conversationId);
      else entry.loaded = false;
    }
    this.store.changed();
    return state;
  }

  private async onStateChange(changed: Record<string, Record<string, string>>): Promise<void> {
    if (!this.sync) return;
    try {
      await this.sync.onStateChange(changed[this.accountId]);
    } catch (error) {
      // retried on the next push or reconnection
      console.warn('sync failed', error);
    }
  }

  private onPush(push: PushObject): void {
    if (push['@type'] === 'MessagePush' && push['message']) {
      this.receiveMessages([push['message'] as Message]);
    } else if (push['@type'] === 'Typing') {
      this.store.setTyping(
        String(push['conversationId']),
        String(push['userId']),
        push['isTyping'] === true,
      );
    }
  }

  /** New or changed messages from a push or a sync. */
  receiveMessages(messages: Message[]): void {
    if (messages.length === 0) return;
    const fresh = messages.filter(
      (m) => !this.store.conversationMessages(m.conversationId).byId.has(m.id),
    );
    this.store.putMessages(messages);
    void this.loadUsers(messages.map((m) => m.senderId).filter((id): id is string => !!id));
    const incoming = fresh.filter((m) => m.senderId !== this.accountId && !m.isSystemMessage);
    const last = incoming[incoming.length - 1];
    if (last) {
      this.store.announce(
        `New message from ${this.store.displayName(last.senderId)}: ${last.body.slice(0, 140)}`,
      );
    }
    for (const message of fresh) this.bumpConversation(message);
    if (
      this.openConversationId &&
      incoming.some((m) => m.conversationId === this.openConversationId)
    ) {
      this.onMessagesSeen();
    }
  }

  /** Hook for the actions: marks the open conversation read. */
  onMessagesSeen: () => void = () => undefined;

  private bumpConversation(message: Message): void {
    const conversation = this.store.conversations.get(message.conversationId);
    if (!conversation || (conversation.lastMessageAt ?? '') > message.sentAt) return;
    const mine = message.senderId === this.accountId;
    const open =
      this.openConversationId === message.conversationId && document.visibilityState === 'visible';
    this.store.putConversations([
      {
        ...conversation,
        lastMessageId: message.id,
        lastMessageAt: message.sentAt,
        unreadCount:
          mine || open
            ? 0
            : (conversation.unreadCount ?? 0) + (conversation.lastMessageId === message.id ? 0 : 1),
      },
    ]);
  }

  private lastProbe = 0;

  /**
   * The WebSocket failed: one request over HTTP (at most every 5 s) tells a network loss from a
   * session that ended (a browser's failed upgrade does not show its 401): on 401 the token is
   * refreshed, and a refused refresh signs out.
   */
  private probe(): void {
    if (Date.now() - this.lastProbe < 5000 || !navigator.onLine) return;
    this.lastProbe = Date.now();
    void this.client.request([['Core/echo', {}, 'probe']]).catch(() => undefined);
  }

  private readonly onOnline = () => {
    this.client.push?.reconnectNow();
    void this.catchUp();
  };

  private readonly onOffline = () => {
    this.client.push?.drop('the browser is offline');
    this.store.connection = 'offline';
    this.store.changed();
  };

  private readonly onVisible = () => {
    if (document.visibilityState === 'visible') {
      this.client.push?.reconnectNow();
      void this.catchUp();
    }
  };
}
