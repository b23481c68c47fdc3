// Conversations and people: create, join, directory, mute, archive, members, search.
import type { GetResponse, QueryResponse, SetResponse } from '@jchat/jmap-client';
import type { ChatActions } from './chat-actions';
import type { ChatEngine } from './chat-engine';
import {
  type Conversation,
  type ConversationType,
  type Message,
  MESSAGE_PROPERTIES,
  type PrivacyLevel,
  type Role,
  type User,
} from './types';

export interface SearchHit {
  message: Message;
  /** HTML-escaped text with <mark> around the matches (SearchSnippet/get). */
  preview: string | null;
}

export class ConversationActions {
  constructor(
    private readonly engine: ChatEngine,
    private readonly messages: ChatActions,
  ) {}

  private get accountId() {
    return this.engine.accountId;
  }

  async create(input: {
    conversationType: ConversationType;
    privacyLevel: PrivacyLevel;
    title: string;
    participantIds: string[];
  }): Promise<string> {
    const answer: SetResponse = await this.messages.set(
      {
        create: {
          c: {
            conversationType: input.conversationType,
            privacyLevel: input.conversationType === 'direct' ? 'private' : input.privacyLevel,
            ...(input.conversationType === 'direct' ? {} : { title: input.title }),
            participantIds: input.participantIds,
          },
        },
      },
      'Conversation',
    );
    const created = answer.created?.['c'] as { id: string } | undefined;
    if (!created) {
      const error = answer.notCreated?.['c'];
      throw new Error(error?.description ?? error?.type ?? 'not created');
    }
    await this.refresh([created.id]);
    return created.id;
  }

  /** Fetches conversations now (the push would bring them a moment later). */
  async refresh(ids: string[]): Promise<void> {
    const batch = this.engine.client.batch();
    const get = batch.call<GetResponse<Conversation>>('Conversation/get', {
      accountId: this.accountId,
      ids,
    });
    const list = (await this.engine.client.run(batch)).get(get).list;
    this.engine.store.putConversations(list);
    await this.engine.loadUsers(list.flatMap((c) => c.participantIds));
  }

  /** Public and restricted conversations we are not in. */
  async directory(text: string): Promise<Conversation[]> {
    const batch = this.engine.client.batch();
    const query = batch.call<QueryResponse>('Conversation/query', {
      accountId: this.accountId,
      filter: { isMember: false, ...(text ? { text } : {}) },
      limit: 50,
    });
    const get = batch.call<GetResponse<Conversation>>('Conversation/get', {
      accountId: this.accountId,
      ids: query.ref('/ids'),
    });
    return (await this.engine.client.run(batch)).get(get).list;
  }

  async join(conversationId: string): Promise<void> {
    const answer = await this.messages.set({ create: { j: { conversationId } } }, 'Participant');
    const error = answer.notCreated?.['j'];
    if (error) throw new Error(error.description ?? error.type);
    await this.refresh([conversationId]);
  }

  async update(conversationId: string, patch: Partial<Conversation>): Promise<void> {
    await this.messages.set({ update: { [conversationId]: patch } }, 'Conversation');
    await this.refresh([conversationId]);
  }

  async leave(conversationId: string, participantId: string): Promise<void> {
    await this.messages.set({ destroy: [participantId] }, 'Participant');
    this.engine.store.removeConversations([conversationId]);
  }

  async invite(conversationId: string, userId: string): Promise<void> {
    const answer = await this.messages.set(
      { create: { i: { conversationId, userId } } },
      'Participant',
    );
    const error = answer.notCreated?.['i'];
    if (error) throw new Error(error.description ?? error.type);
    await this.engine.loadParticipants(conversationId);
  }

  async removeMember(conversationId: string, participantId: string): Promise<void> {
    await this.messages.set({ destroy: [participantId] }, 'Participant');
    await this.engine.loadParticipants(conversationId);
  }

  async setRole(conversationId: string, participantId: string, role: Role): Promise<void> {
    await this.messages.set({ update: { [participantId]: { role } } }, 'Participant');
    await this.engine.loadParticipants(conversationId);
  }

  /** People by display-name prefix or whole email address. */
  async findUsers(text: string): Promise<User[]> {
    if (!text.trim()) return [];
    const batch = this.engine.client.batch();
    const query = batch.call<QueryResponse>('User/query', {
      accountId: this.accountId,
      filter: { text: text.trim() },
      limit: 10,
    });
    const get = batch.call<GetResponse<User>>('User/get', {
      accountId: this.accountId,
      ids: query.ref('/ids'),
    });
    const list = (await this.engine.client.run(batch))
      .get(get)
      .list.filter((u) => u.id !== this.accountId);
    this.engine.store.putUsers(list);
    return list;
  }

  /** Full-text search over our conversations, best first, with highlighted snippets. */
  async search(text: string): Promise<SearchHit[]> {
    const filter = { text };
    const batch = this.engine.client.batch();
    const query = batch.call<QueryResponse>('Message/query', {
      accountId: this.accountId,
      filter,
      limit: 30,
    });
    const snippets = batch.call<{ list: { messageId: string; preview: string | null }[] }>(
      'SearchSnippet/get',
      { accountId: this.accountId, filter, messageIds: query.ref('/ids') },
    );
    const get = batch.call<GetResponse<Message>>('Message/get', {
      accountId: this.accountId,
      ids: query.ref('/ids'),
      properties: MESSAGE_PROPERTIES,
    });
    const result = await this.engine.client.run(batch);
    const previews = new Map(result.get(snippets).list.map((s) => [s.messageId, s.preview]));
    const messages = new Map(result.get(get).list.map((m) => [m.id, m]));
    await this.engine.loadUsers([...messages.values()].map((m) => m.senderId ?? ''));
    return result
      .get(query)
      .ids.map((id) => messages.get(id))
      .filter((m): m is Message => !!m)
      .map((message) => ({ message, preview: previews.get(message.id) ?? null }));
  }
}
