import { permissionsOf } from './permissions';
import type { Conversation } from './types';

const conversation = (overrides: Partial<Conversation>): Conversation => ({
  id: 'c1',
  title: 't',
  description: null,
  conversationType: 'group',
  privacyLevel: 'private',
  isArchived: false,
  isMuted: false,
  participantIds: [],
  lastMessageId: null,
  lastMessageAt: null,
  messageCount: 0,
  unreadCount: 0,
  myRole: 'member',
  createdAt: '2026-12-01T00:00:00Z',
  ...overrides,
});

describe('permissionsOf (what the screens offer)', () => {
  it('follows the role defaults of group conversations', () => {
    expect([...permissionsOf(conversation({ myRole: 'member' }))]).toEqual(['messages.send']);
    expect(permissionsOf(conversation({ myRole: 'moderator' })).has('participants.remove')).toBe(
      true,
    );
    expect(permissionsOf(conversation({ myRole: 'moderator' })).has('participants.setRole')).toBe(
      false,
    );
    expect(permissionsOf(conversation({ myRole: 'owner' })).has('conversation.delete')).toBe(true);
  });

  it('lets only admins and owners post in announcements, and nobody in archived ones', () => {
    const announcement = (myRole: Conversation['myRole']) =>
      permissionsOf(conversation({ conversationType: 'announcement', myRole }));
    expect(announcement('member').has('messages.send')).toBe(false);
    expect(announcement('moderator').has('messages.send')).toBe(false);
    expect(announcement('admin').has('messages.send')).toBe(true);
    expect(
      permissionsOf(conversation({ myRole: 'owner', isArchived: true })).has('messages.send'),
    ).toBe(false);
  });

  it('gives both people of a direct conversation the same rights, and a non-member none', () => {
    expect(
      [...permissionsOf(conversation({ conversationType: 'direct', myRole: 'owner' }))].sort(),
    ).toEqual(['conversation.archive', 'conversation.update', 'messages.send']);
    expect(permissionsOf(conversation({ myRole: null })).size).toBe(0);
  });
});
