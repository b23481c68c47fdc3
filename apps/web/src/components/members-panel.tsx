// Members with their roles and presence; invite, remove and change roles as far as our own
// permissions allow (nothing else is shown); leave.
import { useEffect, useState } from 'react';
import { useChat, useStore } from '../state/chat-context';
import { can } from '../state/permissions';
import { navigate } from '../state/router';
import type { Conversation, Role } from '../state/types';
import { PresenceDot } from './presence-dot';
import { UserPicker } from './user-picker';

const ROLES: Role[] = ['member', 'moderator', 'admin', 'owner'];

export function MembersPanel({
  conversation,
  onClose,
}: {
  conversation: Conversation;
  onClose: () => void;
}) {
  const { engine, conversations } = useChat();
  const store = useStore();
  const [error, setError] = useState<string | null>(null);
  const members = store.participants.get(conversation.id);
  const isDirect = conversation.conversationType === 'direct';

  useEffect(() => {
    void engine.loadParticipants(conversation.id).catch((e: unknown) => setError(String(e)));
  }, [engine, conversation.id, conversation.participantIds.length]);

  const act = (work: Promise<unknown>) =>
    void work.catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  const me = members?.find((p) => p.userId === engine.accountId);

  return (
    <aside id="members-panel" className="members-panel" aria-labelledby="members-title">
      <header>
        <h3 id="members-title">Members</h3>
        <button onClick={onClose} aria-label="Close members">
          ×
        </button>
      </header>
      {error && <p role="alert">{error}</p>}
      <ul>
        {members?.map((p) => (
          <li key={p.id}>
            <PresenceDot userId={p.userId} />
            <span className="name">
              {p.userId === engine.accountId
                ? 'You'
                : (p.displayName ?? store.displayName(p.userId))}
            </span>
            {can(conversation, 'participants.setRole') &&
            p.userId !== engine.accountId &&
            p.role !== 'owner' ? (
              <label>
                <span className="visually-hidden">
                  Role of {p.displayName ?? store.displayName(p.userId)}
                </span>
                <select
                  value={p.role}
                  onChange={(e) =>
                    act(conversations.setRole(conversation.id, p.id, e.target.value as Role))
                  }
                >
                  {ROLES.filter((r) => r !== 'owner' || conversation.myRole === 'owner').map(
                    (r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ),
                  )}
                </select>
              </label>
            ) : (
              <span className="tag">{p.role}</span>
            )}
            {can(conversation, 'participants.remove') &&
              p.userId !== engine.accountId &&
              p.role !== 'owner' && (
                <button
                  onClick={() => act(conversations.removeMember(conversation.id, p.id))}
                  aria-label={`Remove ${p.displayName ?? store.displayName(p.userId)}`}
                >
                  Remove
                </button>
              )}
          </li>
        ))}
      </ul>
      {!isDirect && can(conversation, 'participants.invite') && (
        <UserPicker
          label="Invite"
          onPick={(user) => act(conversations.invite(conversation.id, user.id))}
        />
      )}
      {!isDirect && me && me.role !== 'owner' && (
        <button
          className="danger"
          onClick={() =>
            window.confirm('Leave this conversation?') &&
            act(conversations.leave(conversation.id, me.id).then(() => navigate({ name: 'home' })))
          }
        >
          Leave conversation
        </button>
      )}
    </aside>
  );
}
