// Find people by name or email and pick them.
import { useEffect, useState } from 'react';
import { useChat } from '../state/chat-context';
import type { User } from '../state/types';

export function UserPicker({ label, onPick }: { label: string; onPick: (user: User) => void }) {
  const { conversations } = useChat();
  const [text, setText] = useState('');
  const [found, setFound] = useState<User[]>([]);
  useEffect(() => {
    const timer = setTimeout(() => {
      conversations.findUsers(text).then(setFound, () => setFound([]));
    }, 200);
    return () => clearTimeout(timer);
  }, [conversations, text]);
  return (
    <div className="user-picker">
      <label>
        {label}
        <input
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="Name or email"
        />
      </label>
      {found.length > 0 && (
        <ul aria-label="People found">
          {found.map((user) => (
            <li key={user.id}>
              <button
                type="button"
                onClick={() => {
                  onPick(user);
                  setText('');
                }}
              >
                Add {user.displayName}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
