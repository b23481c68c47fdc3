// The sidebar: our conversations by last activity, with unread counts, the last message,
// muted and archived marks, and presence dots for direct conversations.
import { useState } from 'react';
import { useStore } from '../state/chat-context';
import { navigate } from '../state/router';
import type { Conversation } from '../state/types';
import { PresenceDot } from './presence-dot';

export function ConversationList({ selectedId }: { selectedId: string | null }) {
  const store = useStore();
  const [archived, setArchived] = useState(false);
  const list = store.sortedConversations(archived);
  return (
    <div className="conversation-list">
      <div className="list-actions">
        <button className="primary" onClick={() => navigate({ name: 'new' })}>
          New conversation
        </button>
        <button onClick={() => navigate({ name: 'directory' })}>Directory</button>
      </div>
      <label className="archived-toggle">
        <input type="checkbox" checked={archived} onChange={(e) => setArchived(e.target.checked)} />
        Show archived
      </label>
      {list.length === 0 && (
        <p className="muted">{archived ? 'Nothing archived.' : 'No conversations yet.'}</p>
      )}
      <ul>
        {list.map((conversation) => (
          <li key={conversation.id}>
            <ConversationItem
              conversation={conversation}
              selected={conversation.id === selectedId}
            />
          </li>
        ))}
      </ul>
    </div>
  );
}

function ConversationItem({
  conversation,
  selected,
}: {
  conversation: Conversation;
  selected: boolean;
}) {
  const store = useStore();
  const title = store.title(conversation);
  const last = conversation.lastMessageId
    ? store.conversationMessages(conversation.id).byId.get(conversation.lastMessageId)
    : undefined;
  const preview = last
    ? last.isDeleted
      ? 'Message deleted'
      : `${last.isSystemMessage ? '' : `${store.displayName(last.senderId)}: `}${last.body || (last.attachments?.length ? '📎 attachment' : '')}`
    : 'No messages yet';
  const other =
    conversation.conversationType === 'direct'
      ? conversation.participantIds.find((id) => id !== store.me?.id)
      : undefined;
  const unread = conversation.unreadCount ?? 0;
  return (
    <a
      href={`/c/${encodeURIComponent(conversation.id)}`}
      className={`conversation-item${selected ? ' selected' : ''}${unread > 0 ? ' unread' : ''}`}
      aria-current={selected ? 'page' : undefined}
      onClick={(e) => {
        e.preventDefault();
        navigate({ name: 'conversation', id: conversation.id });
      }}
    >
      <span className="item-title">
        {other ? (
          <PresenceDot userId={other} />
        ) : (
          <span className="kind-icon" aria-hidden="true">
            {KIND_ICON[conversation.conversationType]}
          </span>
        )}
        <span className="name">{title}</span>
        {conversation.isMuted && (
          <span className="muted-mark" aria-label="muted" title="muted">
            🔕
          </span>
        )}
        {unread > 0 && (
          <span className="badge" aria-label={`${unread} unread`} data-testid="unread">
            {unread}
          </span>
        )}
      </span>
      <span className="preview">{preview}</span>
    </a>
  );
}

const KIND_ICON = { direct: '@', group: '👥', channel: '#', announcement: '📣' } as const;
