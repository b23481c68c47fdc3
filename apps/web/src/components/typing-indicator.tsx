import { useEffect, useState } from 'react';
import { useStore } from '../state/chat-context';

/** "Ann is typing…", lapsing by itself when the pushes stop. */
export function TypingIndicator({ conversationId }: { conversationId: string }) {
  const store = useStore();
  const [, tick] = useState(0);
  const typing = store.typingIn(conversationId);
  useEffect(() => {
    if (typing.length === 0) return;
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [typing.length]);
  const names = typing.map((id) => store.displayName(id));
  return (
    <div className="typing" aria-live="polite" data-testid="typing">
      {names.length === 0 ? '' : `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…`}
    </div>
  );
}
