// One message: sender, time, body (Markdown or sanitised HTML), the message it replies to,
// attachments, reactions, "edited" with its history, and for our own messages the delivery
// status and who read it. System messages are a line of their own.
import { useState } from 'react';
import { renderBody } from '../render/markdown';
import { useChat, useStore } from '../state/chat-context';
import { can } from '../state/permissions';
import type { Conversation, Message, PendingMessage } from '../state/types';
import { AttachmentView } from './attachment-view';
import { MessageEditor } from './message-editor';

const REACTIONS = ['👍', '❤️', '😂', '🎉', '😮'];

export function MessageItem({
  message,
  conversation,
  replied,
  onReply,
}: {
  message: Message;
  conversation: Conversation;
  replied: Message | undefined;
  onReply: (m: Message) => void;
}) {
  const { messages, engine } = useChat();
  const store = useStore();
  const [editing, setEditing] = useState(false);
  const [history, setHistory] = useState<Message['history'] | null>(null);
  const [picking, setPicking] = useState(false);
  const me = engine.accountId;
  const mine = message.senderId === me;
  const time = new Date(message.sentAt);

  if (message.isSystemMessage) {
    return (
      <p className="system-message" data-testid="system-message">
        {message.body} · <time dateTime={message.sentAt}>{time.toLocaleTimeString()}</time>
      </p>
    );
  }
  const sender = store.displayName(message.senderId);
  const act = (work: Promise<unknown>) => void work.catch(() => undefined);
  return (
    <article
      className={`message${mine ? ' mine' : ''}`}
      aria-label={`${sender}, ${time.toLocaleString()}`}
      data-testid="message"
    >
      <header>
        <strong className="sender">{sender}</strong>{' '}
        <time dateTime={message.sentAt}>
          {time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
        </time>
        {message.editedAt && !message.isDeleted && (
          <button
            className="link edited"
            aria-expanded={!!history}
            onClick={() =>
              history
                ? setHistory(null)
                : act(messages.history(message.id).then((h) => setHistory(h ?? [])))
            }
          >
            (edited)
          </button>
        )}
      </header>
      {replied && (
        <blockquote className="reply-quote">
          <strong>{store.displayName(replied.senderId)}</strong>:{' '}
          {replied.isDeleted ? 'deleted message' : replied.body.slice(0, 120)}
        </blockquote>
      )}
      {message.isDeleted ? (
        <p className="deleted">This message was deleted.</p>
      ) : editing ? (
        <MessageEditor
          initial={message.body}
          onSave={(body) => act(messages.edit(message.id, body).then(() => setEditing(false)))}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <div
          className="body"
          data-testid="message-body"
          dangerouslySetInnerHTML={{ __html: renderBody(message.body, message.bodyType) }}
        />
      )}
      {history && (
        <ol className="history" aria-label="Earlier versions">
          {history.map((v) => (
            <li key={v.version}>
              <time dateTime={v.createdAt}>{new Date(v.createdAt).toLocaleString()}</time>: {v.body}
            </li>
          ))}
        </ol>
      )}
      {!message.isDeleted &&
        message.attachments?.map((a) => <AttachmentView key={a.blobId} attachment={a} />)}
      <Reactions message={message} onToggle={(emoji) => act(messages.react(message, emoji))} />
      {mine && <DeliveryStatus message={message} />}
      {!message.isDeleted && (
        <div className="message-actions">
          <button onClick={() => onReply(message)} aria-label={`Reply to ${sender}`}>
            Reply
          </button>
          <button aria-expanded={picking} onClick={() => setPicking(!picking)}>
            React
          </button>
          {mine && <button onClick={() => setEditing(true)}>Edit</button>}
          {(mine || can(conversation, 'messages.deleteAny')) && (
            <button
              onClick={() =>
                window.confirm('Delete this message?') && act(messages.remove(message.id))
              }
            >
              Delete
            </button>
          )}
          {picking && (
            <span role="group" aria-label="Pick a reaction" className="reaction-picker">
              {REACTIONS.map((emoji) => (
                <button
                  key={emoji}
                  aria-label={`React ${emoji}`}
                  onClick={() => (setPicking(false), act(messages.react(message, emoji)))}
                >
                  {emoji}
                </button>
              ))}
            </span>
          )}
        </div>
      )}
    </article>
  );
}

function Reactions({ message, onToggle }: { message: Message; onToggle: (emoji: string) => void }) {
  const store = useStore();
  const entries = Object.entries(message.reactions ?? {}).filter(
    ([, users]) => Object.keys(users).length > 0,
  );
  if (entries.length === 0) return null;
  return (
    <div className="reactions" data-testid="reactions">
      {entries.map(([emoji, users]) => {
        const ids = Object.keys(users);
        const names = ids.map((id) => store.displayName(id)).join(', ');
        return (
          <button
            key={emoji}
            className={`reaction${store.me && users[store.me.id] ? ' own' : ''}`}
            aria-pressed={!!(store.me && users[store.me.id])}
            aria-label={`${emoji} ${ids.length}: ${names}`}
            title={names}
            onClick={() => onToggle(emoji)}
          >
            {emoji} {ids.length}
          </button>
        );
      })}
    </div>
  );
}

function DeliveryStatus({ message }: { message: Message }) {
  const store = useStore();
  const readers = (message.readBy ?? []).map((id) => store.displayName(id));
  const status = message.deliveryStatus ?? 'sent';
  const label =
    readers.length > 0
      ? `Read by ${readers.join(', ')}`
      : status === 'read'
        ? 'Read'
        : status === 'delivered'
          ? 'Delivered'
          : 'Sent';
  return (
    <p className={`delivery ${status}`} data-testid="delivery">
      <span aria-hidden="true">{status === 'sent' ? '✓' : '✓✓'}</span> {label}
    </p>
  );
}

export function PendingItem({ pending }: { pending: PendingMessage }) {
  const { messages } = useChat();
  return (
    <article
      className="message mine pending"
      aria-label="Your message, not yet sent"
      data-testid="message"
    >
      <div
        className="body"
        dangerouslySetInnerHTML={{ __html: renderBody(pending.body, 'text/markdown') }}
      />
      <p className="delivery" data-testid="delivery">
        {pending.status === 'sending' ? (
          'Sending…'
        ) : (
          <>
            Not sent. <button onClick={() => messages.retryFailed()}>Retry</button>
          </>
        )}
      </p>
    </article>
  );
}
