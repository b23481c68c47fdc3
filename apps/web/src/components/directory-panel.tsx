// Public and restricted conversations we may join (restricted ones need an invitation).
import { useEffect, useState } from 'react';
import { useChat } from '../state/chat-context';
import { navigate } from '../state/router';
import type { Conversation } from '../state/types';

export function DirectoryPanel() {
  const { conversations } = useChat();
  const [text, setText] = useState('');
  const [list, setList] = useState<Conversation[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const timer = setTimeout(() => {
      conversations.directory(text).then(setList, (e: unknown) => setError(String(e)));
    }, 200);
    return () => clearTimeout(timer);
  }, [conversations, text]);

  const join = async (id: string) => {
    try {
      await conversations.join(id);
      navigate({ name: 'conversation', id });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <section className="panel" aria-labelledby="directory-title">
      <h2 id="directory-title">Directory</h2>
      <label>
        Find conversations
        <input type="search" value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      {error && <p role="alert">{error}</p>}
      {list?.length === 0 && <p className="muted">Nothing to join.</p>}
      <ul className="directory">
        {list?.map((c) => (
          <li key={c.id}>
            <div>
              <strong>{c.title || 'Untitled'}</strong>{' '}
              <span className="tag">{c.conversationType}</span>{' '}
              <span className="tag">{c.privacyLevel}</span>
              <div className="muted">
                {c.description ?? ''} {c.participantIds.length} members
              </div>
            </div>
            {c.privacyLevel === 'public' ? (
              <button onClick={() => void join(c.id)}>Join</button>
            ) : (
              <span className="muted">by invitation</span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
