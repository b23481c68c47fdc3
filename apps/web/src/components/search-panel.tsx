// Search across our conversations; matches highlighted in the snippets.
import { type FormEvent, useState } from 'react';
import { renderSnippet } from '../render/markdown';
import { useChat, useStore } from '../state/chat-context';
import type { SearchHit } from '../state/conversation-actions';
import { navigate } from '../state/router';

export function SearchPanel() {
  const { conversations } = useChat();
  const store = useStore();
  const [text, setText] = useState('');
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    setError(null);
    try {
      setHits(await conversations.search(text.trim()));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <section className="panel" aria-labelledby="search-title">
      <h2 id="search-title">Search messages</h2>
      <form role="search" onSubmit={(e) => void submit(e)} className="search-form">
        <label>
          Search for
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} autoFocus />
        </label>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      {error && <p role="alert">{error}</p>}
      <p role="status" className="muted">
        {hits ? `${hits.length} result${hits.length === 1 ? '' : 's'}` : ''}
      </p>
      <ul className="search-results">
        {hits?.map(({ message, preview }) => {
          const conversation = store.conversations.get(message.conversationId);
          return (
            <li key={message.id}>
              <button
                className="search-hit"
                onClick={() => navigate({ name: 'conversation', id: message.conversationId })}
              >
                <span className="muted">
                  {conversation ? store.title(conversation) : 'Conversation'} ·{' '}
                  {store.displayName(message.senderId)} ·{' '}
                  {new Date(message.sentAt).toLocaleString()}
                </span>
                <span
                  className="snippet"
                  dangerouslySetInnerHTML={{
                    __html: renderSnippet(preview ?? message.body.slice(0, 200)),
                  }}
                />
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
