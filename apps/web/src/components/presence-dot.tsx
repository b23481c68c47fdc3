import { useStore } from '../state/chat-context';

export function PresenceDot({ userId }: { userId: string }) {
  const store = useStore();
  const status = store.presence.get(userId)?.status ?? 'offline';
  return (
    <span className={`presence-dot ${status}`} role="img" aria-label={status} title={status} />
  );
}
