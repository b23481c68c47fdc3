// Sign in with a password or a configured provider, or create an account.
import { type FormEvent, useEffect, useState } from 'react';
import { authApi, AuthError, type ProviderView, TokenStore } from '../api/auth-api';

export function AuthScreen({ onSignedIn }: { onSignedIn: (tokens: TokenStore) => void }) {
  const [mode, setMode] = useState<'signin' | 'signup'>('signin');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState<ProviderView[]>([]);

  useEffect(() => {
    authApi.providers().then(
      (answer) => setProviders(answer.providers),
      () => setProviders([]),
    );
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'signup') await authApi.register(email, password, displayName);
      onSignedIn(TokenStore.fromPair(await authApi.login(email, password)));
    } catch (e) {
      setError(e instanceof AuthError ? e.message : 'The server cannot be reached');
    } finally {
      setBusy(false);
    }
  };

  const returnTo = encodeURIComponent(`${window.location.origin}/`);
  return (
    <main className="auth-screen">
      <h1>JCHAT</h1>
      <div role="tablist" aria-label="Sign in or create an account" className="tabs">
        <button role="tab" aria-selected={mode === 'signin'} onClick={() => setMode('signin')}>
          Sign in
        </button>
        <button role="tab" aria-selected={mode === 'signup'} onClick={() => setMode('signup')}>
          Create account
        </button>
      </div>
      <form
        onSubmit={(e) => void submit(e)}
        aria-label={mode === 'signin' ? 'Sign in' : 'Create account'}
      >
        {mode === 'signup' && (
          <label>
            Display name
            <input
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
              required
              autoComplete="name"
            />
          </label>
        )}
        <label>
          Email
          <input
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
            autoComplete="email"
          />
        </label>
        <label>
          Password
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            autoComplete={mode === 'signin' ? 'current-password' : 'new-password'}
          />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {mode === 'signin' ? 'Sign in' : 'Create account'}
        </button>
      </form>
      {providers.length > 0 && (
        <nav aria-label="Other ways to sign in" className="providers">
          {providers.map((p) => (
            <a
              key={p.name}
              className="button"
              href={`/auth/oauth/${encodeURIComponent(p.name)}?returnTo=${returnTo}`}
            >
              Continue with {p.displayName}
            </a>
          ))}
        </nav>
      )}
    </main>
  );
}
