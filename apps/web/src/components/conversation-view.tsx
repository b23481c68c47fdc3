// One conversation: header with its actions, the messages, who is typing, the composer, and
// the members panel.
import { useEffect, useState } from 'react';
import { useChat, useStore } from '../state/chat-context';
import { can } from '../state/permissions';
import { navigate } from '../state/router';
import type { Message } from '../state/types';
import { Composer } from './composer';
import { MembersPanel } from './members-panel';
import { MessageList } from './message-list';
import { TypingIndicator } from './typing-indicator';

export function ConversationView({ conversationId }: { conversationId: string }) {
  const { messages, conversations } = useChat();
  const store = useStore();
  const conversation = store.conversations.get(conversationId);
  const [showMembers, setShowMembers] = useState(false);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [error, setError] = useState<string | null>(null);

  const entry = store.conversationMessages(conversationId);
  useEffect(() => {
    if (!entry.loaded)
      void messages.loadOlder(conversationId).catch((e: unknown) => setError(String(e)));
  }, [messages, conversationId, entry.loaded]);

  if (!conversation) {
    return (
      <div className="empty">
        <p>This conversation is not in your list.</p>
        <button onClick={() => navigate({ name: 'directory' })}>Open the directory</button>
      </div>
    );
  }

  const act = (work: Promise<unknown>) =>
    void work.catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  const title = store.title(conversation);
  const mayPost = can(conversation, 'messages.send');

  return (
    <div className={`conversation${showMembers ? ' with-members' : ''}`}>
      <header className="conversation-header">
        <button
          className="back"
          aria-label="Back to conversations"
          onClick={() => navigate({ name: 'home' })}
        >
          ←
        </button>
        <h2 id="conversation-title">{title}</h2>
        <span className="tag">{conversation.conversationType}</span>
        <div className="header-actions">
          <button
            aria-pressed={!!conversation.isMuted}
            onClick={() =>
              act(conversations.update(conversationId, { isMuted: !conversation.isMuted }))
            }
          >
            {conversation.isMuted ? 'Unmute' : 'Mute'}
          </button>
          {can(conversation, 'conversation.archive') && (
            <button
              onClick={() =>
                act(conversations.update(conversationId, { isArchived: !conversation.isArchived }))
              }
            >
              {conversation.isArchived ? 'Unarchive' : 'Archive'}
            </button>
          )}
          <button
            aria-expanded={showMembers}
            aria-controls="members-panel"
            onClick={() => setShowMembers(!showMembers)}
          >
            Members ({conversation.participantIds.length})
          </button>
        </div>
      </header>
      {error && (
        <p role="alert" className="error">
          {error} <button onClick={() => setError(null)}>Dismiss</button>
        </p>
      )}
      <MessageList conversation={conversation} onReply={setReplyTo} />
      <TypingIndicator conversationId={conversationId} />
      {mayPost ? (
        <Composer
          conversationId={conversationId}
          replyTo={replyTo}
          onReplyDone={() => setReplyTo(null)}
        />
      ) : (
        <p className="muted composer-disabled">
          {conversation.isArchived ? 'This conversation is archived.' : 'Only admins post here.'}
        </p>
      )}
      {showMembers && (
        <MembersPanel conversation={conversation} onClose={() => setShowMembers(false)} />
      )}
    </div>
  );
}
