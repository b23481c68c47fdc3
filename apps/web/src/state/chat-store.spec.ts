import { ChatStore } from './chat-store';
import type { Conversation, Message } from './types';

const message = (id: string, sentAt: string, extra: Partial<Message> = {}): Message => ({
  id,
  conversationId: 'c1',
  senderId: 'ann',
  body: id,
  bodyType: 'text/plain',
  sentAt,
  editedAt: null,
  isDeleted: false,
  isSystemMessage: false,
  replyToMessageId: null,
  attachments: null,
  reactions: null,
  deliveryStatus: null,
  readBy: null,
  metadata: null,
  ...extra,
});

describe('ChatStore', () => {
  it('orders a timeline by sentAt, our unsent messages last, and drops one once it is stored', () => {
    const store = new ChatStore();
    store.pending.set('k1', {
      clientMessageId: 'k1',
      conversationId: 'c1',
      body: 'mine',
      replyToMessageId: null,
      attachments: [],
      sentAt: '2026-12-01T10:00:05Z',
      status: 'sending',
    });
    store.putMessages([
      message('m2', '2026-12-01T10:00:02Z'),
      message('m1', '2026-12-01T10:00:01Z'),
    ]);
    expect(store.timeline('c1').map((m) => ('id' in m ? m.id : m.clientMessageId))).toEqual([
      'm1',
      'm2',
      'k1',
    ]);
    store.putMessages([
      message('m3', '2026-12-01T10:00:05Z', { metadata: { clientMessageId: 'k1' } }),
    ]);
    expect(store.pending.size).toBe(0);
    expect(store.timeline('c1').map((m) => ('id' in m ? m.id : ''))).toEqual(['m1', 'm2', 'm3']);
  });

  it('lists conversations by latest activity, archived ones apart', () => {
    const store = new ChatStore();
    const conversation = (id: string, lastMessageAt: string | null, isArchived = false) =>
      ({ id, lastMessageAt, createdAt: '2026-12-01T00:00:00Z', isArchived }) as Conversation;
    store.putConversations([
      conversation('old', '2026-12-01T09:00:00Z'),
      conversation('new', '2026-12-01T11:00:00Z'),
      conversation('empty', null),
      conversation('shelved', '2026-12-01T12:00:00Z', true),
    ]);
    expect(store.sortedConversations(false).map((c) => c.id)).toEqual(['new', 'old', 'empty']);
    expect(store.sortedConversations(true).map((c) => c.id)).toEqual(['shelved']);
  });

  it('shows others typing until it lapses or their message arrives, never ourselves', () => {
    const store = new ChatStore();
    store.me = { id: 'me', displayName: 'Me' };
    store.setTyping('c1', 'ann', true);
    store.setTyping('c1', 'me', true);
    store.setTyping('c1', 'bob', true, -1);
    expect(store.typingIn('c1')).toEqual(['ann']);
    store.putMessages([message('m1', '2026-12-01T10:00:00Z')]);
    expect(store.typingIn('c1')).toEqual([]);
  });
});
