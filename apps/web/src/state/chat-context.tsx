// The signed-in app's engine and actions, given to every component through context.
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { TokenStore } from '../api/auth-api';
import type { ChatActions } from './chat-actions';
import type { ChatEngine } from './chat-engine';
import type { ChatStore } from './chat-store';
import type { ConversationActions } from './conversation-actions';

export interface Chat {
  engine: ChatEngine;
  messages: ChatActions;
  conversations: ConversationActions;
  tokens: TokenStore;
  signOut: () => void;
}

export const ChatContext = createContext<Chat | null>(null);

export function useChat(): Chat {
  const chat = useContext(ChatContext);
  if (!chat) throw new Error('useChat outside ChatContext');
  return chat;
}

/** The store, re-rendering the component on every change. */
export function useStore(): ChatStore {
  const { engine } = useChat();
  useSyncExternalStore(engine.store.subscribe, engine.store.getVersion);
  return engine.store;
}
