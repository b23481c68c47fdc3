// Start a direct, group, channel or announcement conversation.
import { type FormEvent, useState } from 'react';
import { useChat } from '../state/chat-context';
import { navigate } from '../state/router';
import type { ConversationType, PrivacyLevel, User } from '../state/types';
import { UserPicker } from './user-picker';

const KINDS: { value: ConversationType; label: string }[] = [
  { value: 'direct', label: 'Direct message (two people)' },
  { value: 'group', label: 'Group' },
  { value: 'channel', label: 'Channel' },
  { value: 'announcement', label: 'Announcements (only admins post)' },
];

export function NewConversationPanel() {
  const { conversations } = useChat();
  const [kind, setKind] = useState<ConversationType>('group');
  const [privacy, setPrivacy] = useState<PrivacyLevel>('private');
  const [title, setTitle] = useState('');
  const [people, setPeople] = useState<User[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (kind === 'direct' && people.length !== 1)
      return setError('A direct message is with exactly one person');
    setBusy(true);
    setError(null);
    try {
      const id = await conversations.create({
        conversationType: kind,
        privacyLevel: privacy,
        title,
        participantIds: people.map((p) => p.id),
      });
      navigate({ name: 'conversation', id });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="new-title">
      <h2 id="new-title">New conversation</h2>
      <form onSubmit={(e) => void submit(e)}>
        <fieldset>
          <legend>Kind</legend>
          {KINDS.map((k) => (
            <label key={k.value} className="radio">
              <input
                type="radio"
                name="kind"
                value={k.value}
                checked={kind === k.value}
                onChange={() => setKind(k.value)}
              />
              {k.label}
            </label>
          ))}
        </fieldset>
        {kind !== 'direct' && (
          <>
            <label>
              Title
              <input
                value={title}
                onChange={(e) => setTitle(e.target.value)}
                required
                maxLength={200}
              />
            </label>
            <label>
              Who can find it
              <select value={privacy} onChange={(e) => setPrivacy(e.target.value as PrivacyLevel)}>
                <option value="private">Private: members only</option>
                <option value="public">Public: anyone can join</option>
                <option value="restricted">Restricted: listed, by invitation</option>
              </select>
            </label>
          </>
        )}
        <UserPicker
          label={kind === 'direct' ? 'Person' : 'Add people'}
          onPick={(u) => setPeople((p) => (p.some((x) => x.id === u.id) ? p : [...p, u]))}
        />
        {people.length > 0 && (
          <ul className="chips" aria-label="People added">
            {people.map((p) => (
              <li key={p.id}>
                {p.displayName}{' '}
                <button
                  type="button"
                  aria-label={`Remove ${p.displayName}`}
                  onClick={() => setPeople((list) => list.filter((x) => x.id !== p.id))}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        {error && <p role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy}>
          Create
        </button>
      </form>
    </section>
  );
}
