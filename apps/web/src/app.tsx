// Signed out: the sign-in screen. Signed in: the engine started, then the chat.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { TokenStore, tokensFromFragment } from './api/auth-api';
import { AuthScreen } from './components/auth-screen';
import { ChatLayout } from './components/chat-layout';
import { ChatActions } from './state/chat-actions';
import { type Chat, ChatContext } from './state/chat-context';
import { ChatEngine } from './state/chat-engine';
import { ConversationActions } from './state/conversation-actions';

function initialTokens(): TokenStore | null {
  const fromProvider = tokensFromFragment();
  return fromProvider ? TokenStore.fromPair(fromProvider) : TokenStore.fromStorage();
}

export function App() {
  const [tokens, setTokens] = useState<TokenStore | null>(initialTokens);
  const signedOut = useCallback(() => setTokens(null), []);
  if (!tokens) return <AuthScreen onSignedIn={setTokens} />;
  return <SignedIn tokens={tokens} onSignedOut={signedOut} />;
}

function SignedIn({ tokens, onSignedOut }: { tokens: TokenStore; onSignedOut: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  const chat = useMemo<Chat>(() => {
    const engine = new ChatEngine(tokens);
    const messages = new ChatActions(engine);
    return {
      engine,
      messages,
      conversations: new ConversationActions(engine, messages),
      tokens,
      signOut: () => {
        engine.stop();
        void tokens
          .logout()
          .catch(() => undefined)
          .finally(onSignedOut);
      },
    };
  }, [tokens, onSignedOut]);

  useEffect(() => {
    let cancelled = false;
    chat.engine.start().then(
      () => !cancelled && setReady(true),
      (e: unknown) => {
        if (cancelled) return;
        if (e instanceof Error && /401|signed out/.test(e.message)) {
          tokens.forget();
          onSignedOut();
        } else setError(e instanceof Error ? e.message : String(e));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [chat, tokens, onSignedOut]);

  useEffect(() => {
    tokens.onSessionEnded = () => {
      chat.engine.stop();
      onSignedOut();
    };
    return () => {
      tokens.onSessionEnded = null;
      chat.engine.stop();
    };
  }, [chat, tokens, onSignedOut]);

  if (error) {
    return (
      <main className="center-screen">
        <p role="alert">Cannot reach the server: {error}</p>
        <button onClick={() => window.location.reload()}>Try again</button>
      </main>
    );
  }
  if (!ready)
    return (
      <main className="center-screen" aria-busy="true">
        Loading…
      </main>
    );
  return (
    <ChatContext.Provider value={chat}>
      <ChatLayout />
    </ChatContext.Provider>
  );
}
