// The messages of a conversation, oldest at the top: paged back when scrolled to the top
// (keeping the reading position), following new ones while at the bottom.
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useChat, useStore } from '../state/chat-context';
import type { Conversation, Message } from '../state/types';
import { MessageItem, PendingItem } from './message-item';

export function MessageList({
  conversation,
  onReply,
}: {
  conversation: Conversation;
  onReply: (m: Message) => void;
}) {
  const { messages } = useChat();
  const store = useStore();
  const entry = store.conversationMessages(conversation.id);
  const timeline = store.timeline(conversation.id);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const heightBefore = useRef<number | null>(null);
  const [loading, setLoading] = useState(false);

  const loadOlder = async () => {
    if (loading || !entry.hasOlder) return;
    setLoading(true);
    heightBefore.current = scroller.current?.scrollHeight ?? null;
    try {
      await messages.loadOlder(conversation.id);
    } finally {
      setLoading(false);
    }
  };

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    if (heightBefore.current !== null) {
      element.scrollTop += element.scrollHeight - heightBefore.current;
      heightBefore.current = null;
    } else if (atBottom.current) {
      element.scrollTop = element.scrollHeight;
    }
  });

  // Pictures that finish loading grow the list: stay at the bottom if we were there.
  const content = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = content.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      const list = scroller.current;
      if (list && atBottom.current && heightBefore.current === null)
        list.scrollTop = list.scrollHeight;
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const byId = entry.byId;
  return (
    <div
      className="message-list"
      ref={scroller}
      role="log"
      aria-labelledby="conversation-title"
      tabIndex={0}
      onScroll={(e) => {
        const el = e.currentTarget;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        if (el.scrollTop < 80 && entry.loaded) void loadOlder();
      }}
    >
      <div ref={content}>
        {entry.loaded && entry.hasOlder && (
          <button className="load-older" onClick={() => void loadOlder()} disabled={loading}>
            {loading ? 'Loading…' : 'Load older messages'}
          </button>
        )}
        {entry.loaded && !entry.hasOlder && (
          <p className="muted start">Start of the conversation</p>
        )}
        {timeline.map((item) =>
          'clientMessageId' in item ? (
            <PendingItem key={item.clientMessageId} pending={item} />
          ) : (
            <MessageItem
              key={item.id}
              message={item}
              conversation={conversation}
              replied={item.replyToMessageId ? byId.get(item.replyToMessageId) : undefined}
              onReply={onReply}
            />
          ),
        )}
      </div>
    </div>
  );
}
