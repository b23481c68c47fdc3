// The signed-in screen: top bar, conversation list, and the main pane for the current route.
// On a phone-sized screen the list and the pane take turns (CSS, by `data-view`).
import { useEffect } from 'react';
import { useChat, useStore } from '../state/chat-context';
import { navigate, useRoute } from '../state/router';
import { ConversationList } from './conversation-list';
import { ConversationView } from './conversation-view';
import { DirectoryPanel } from './directory-panel';
import { LiveRegion } from './live-region';
import { NewConversationPanel } from './new-conversation-panel';
import { SearchPanel } from './search-panel';
import { SessionsPanel } from './sessions-panel';

const CONNECTION_LABEL = {
  online: 'Connected',
  connecting: 'Connecting…',
  offline: 'Offline',
} as const;

export function ChatLayout() {
  const { signOut, messages } = useChat();
  const store = useStore();
  const route = useRoute();
  const openId = route.name === 'conversation' ? route.id : null;

  useEffect(() => messages.open(openId), [messages, openId]);
  useEffect(() => {
    if (store.connection === 'online') messages.retryFailed();
  }, [messages, store.connection]);

  return (
    <div className="app" data-view={route.name === 'home' ? 'list' : 'main'}>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <strong className="brand">JCHAT</strong>
        <span className={`connection ${store.connection}`} role="status" data-testid="connection">
          {CONNECTION_LABEL[store.connection]}
        </span>
        <nav aria-label="Main" className="topnav">
          <button onClick={() => navigate({ name: 'search' })}>Search</button>
          <button onClick={() => navigate({ name: 'sessions' })}>Sessions</button>
          <button onClick={signOut}>Sign out</button>
        </nav>
        <span className="me" aria-label="Signed in as">
          {store.me?.displayName}
        </span>
      </header>
      <nav className="sidebar" aria-label="Conversations">
        <ConversationList selectedId={openId} />
      </nav>
      <main id="main" className="main" tabIndex={-1}>
        {route.name === 'conversation' && (
          <ConversationView key={route.id} conversationId={route.id} />
        )}
        {route.name === 'search' && <SearchPanel />}
        {route.name === 'directory' && <DirectoryPanel />}
        {route.name === 'new' && <NewConversationPanel />}
        {route.name === 'sessions' && <SessionsPanel />}
        {route.name === 'home' && (
          <div className="empty">
            <p>Pick a conversation, or start one.</p>
          </div>
        )}
      </main>
      <LiveRegion />
    </div>
  );
}
