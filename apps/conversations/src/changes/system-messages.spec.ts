import { systemMessage } from './system-messages';

const ann = { id: 'a', displayName: 'Ann' };
const bob = { id: 'b', displayName: 'Bob' };

describe('systemMessage', () => {
  it('describes each membership change and keys it by the change', () => {
    expect(systemMessage('c', ann, { kind: 'participant.invited', target: bob }, 42n)).toEqual({
      conversationId: 'c',
      actorId: 'a',
      kind: 'participant.invited',
      body: 'Ann added Bob',
      details: { targetUserId: 'b' },
      idempotencyKey: 'participant.invited:c:b:42',
    });
    expect(
      systemMessage('c', ann, { kind: 'participant.roleChanged', target: bob, role: 'admin' }, 1n)
        .body,
    ).toBe('Ann made Bob an admin');
    expect(systemMessage('c', ann, { kind: 'participant.left' }, 1n).body).toBe('Ann left');
    expect(systemMessage('c', ann, { kind: 'participant.removed', target: bob }, 1n).body).toBe(
      'Ann removed Bob',
    );
    expect(
      systemMessage('c', ann, { kind: 'conversation.updated', properties: ['title'] }, 1n).body,
    ).toBe('Ann changed the title');
  });
});
