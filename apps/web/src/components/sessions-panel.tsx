// The signed-in sessions (devices) of this account; revoke any but this one.
import { useCallback, useEffect, useState } from 'react';
import type { SessionView } from '../api/auth-api';
import { useChat } from '../state/chat-context';

export function SessionsPanel() {
  const { tokens } = useChat();
  const [sessions, setSessions] = useState<SessionView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    tokens.sessions().then(setSessions, (e: unknown) => setError(String(e)));
  }, [tokens]);
  useEffect(load, [load]);

  return (
    <section className="panel" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      {error && <p role="alert">{error}</p>}
      {!sessions && !error && <p aria-busy="true">Loading…</p>}
      <ul className="sessions">
        {sessions?.map((session) => (
          <li key={session.id}>
            <div>
              <strong>{session.userAgent ?? 'Unknown device'}</strong>
              {session.current && <span className="tag">this device</span>}
              <div className="muted">
                {session.ipAddress ?? 'unknown address'} · signed in{' '}
                {new Date(session.createdAt).toLocaleString()} · until{' '}
                {new Date(session.expiresAt).toLocaleDateString()}
              </div>
            </div>
            {!session.current && (
              <button
                onClick={() =>
                  void tokens.revoke(session.id).then(load, (e: unknown) => setError(String(e)))
                }
                aria-label={`Revoke session ${session.userAgent ?? session.id}`}
              >
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
