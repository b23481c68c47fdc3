// Everything the screens show, in one observable store: React subscribes with
// useSyncExternalStore and re-renders on each change (`version`).
import type {
  ConnectionState,
  Conversation,
  Message,
  Participant,
  PendingMessage,
  Presence,
  User,
} from './types';

export interface ConversationMessages {
  byId: Map<string, Message>;
  /** Older history exists on the server (paging back not finished). */
  hasOlder: boolean;
  /** The first page was loaded. */
  loaded: boolean;
}

export class ChatStore {
  version = 0;
  me: User | null = null;
  connection: ConnectionState = 'connecting';
  conversations = new Map<string, Conversation>();
  messages = new Map<string, ConversationMessages>();
  pending = new Map<string, PendingMessage>();
  users = new Map<string, User>();
  presence = new Map<string, Presence>();
  participants = new Map<string, Participant[]>();
  /** conversationId → userId → when the typing indicator lapses (ms since epoch) */
  typing = new Map<string, Map<string, number>>();
  /** Last text for the screen reader's live region. */
  announcement = '';
  private readonly listeners = new Set<() => void>();

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }

  conversationMessages(conversationId: string): ConversationMessages {
    let entry = this.messages.get(conversationId);
    if (!entry) {
      entry = { byId: new Map(), hasOlder: true, loaded: false };
      this.messages.set(conversationId, entry);
    }
    return entry;
  }

  /** Stores messages (new or changed); a message of ours replaces its pending copy. */
  putMessages(messages: Message[]): void {
    for (const message of messages) {
      this.conversationMessages(message.conversationId).byId.set(message.id, message);
      const clientMessageId = message.metadata?.['clientMessageId'];
      if (typeof clientMessageId === 'string') this.pending.delete(clientMessageId);
      if (message.senderId) this.typingStopped(message.conversationId, message.senderId);
    }
    this.changed();
  }

  putConversations(conversations: Conversation[]): void {
    for (const conversation of conversations) this.conversations.set(conversation.id, conversation);
    this.changed();
  }

  removeConversations(ids: string[]): void {
    for (const id of ids) this.conversations.delete(id);
    this.changed();
  }

  putUsers(users: User[]): void {
    for (const user of users) this.users.set(user.id, { ...this.users.get(user.id), ...user });
    this.changed();
  }

  putPresence(list: Presence[]): void {
    for (const presence of list) this.presence.set(presence.id, presence);
    this.changed();
  }

  setTyping(conversationId: string, userId: string, isTyping: boolean, ttlMs = 6000): void {
    if (!isTyping) return this.typingStopped(conversationId, userId);
    let entry = this.typing.get(conversationId);
    if (!entry) this.typing.set(conversationId, (entry = new Map()));
    entry.set(userId, Date.now() + ttlMs);
    this.changed();
  }

  typingIn(conversationId: string): string[] {
    const now = Date.now();
    return [...(this.typing.get(conversationId) ?? new Map<string, number>())]
      .filter(([userId, until]) => until > now && userId !== this.me?.id)
      .map(([userId]) => userId);
  }

  announce(text: string): void {
    this.announcement = text;
    this.changed();
  }

  displayName(userId: string | null): string {
    if (!userId) return 'System';
    if (userId === this.me?.id) return 'You';
    return this.users.get(userId)?.displayName ?? 'Someone';
  }

  /** Conversations for the sidebar: newest activity first. */
  sortedConversations(archived: boolean): Conversation[] {
    return [...this.conversations.values()]
      .filter((c) => c.isArchived === archived)
      .sort((a, b) =>
        (b.lastMessageAt ?? b.createdAt).localeCompare(a.lastMessageAt ?? a.createdAt),
      );
  }

  /** The messages of a conversation in order, our pending ones last. */
  timeline(conversationId: string): (Message | PendingMessage)[] {
    const sent = [...this.conversationMessages(conversationId).byId.values()].sort(
      (a, b) => a.sentAt.localeCompare(b.sentAt) || a.id.localeCompare(b.id),
    );
    const pending = [...this.pending.values()].filter((p) => p.conversationId === conversationId);
    return [...sent, ...pending];
  }

  title(conversation: Conversation): string {
    if (conversation.conversationType === 'direct') {
      const other = conversation.participantIds.find((id) => id !== this.me?.id);
      return other ? this.displayName(other) : 'Direct message';
    }
    return conversation.title || 'Untitled';
  }

  private typingStopped(conversationId: string, userId: string): void {
    if (this.typing.get(conversationId)?.delete(userId)) this.changed();
  }
}
