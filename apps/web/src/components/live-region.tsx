// Screen readers hear new messages and connection changes here (polite live region).
import { useStore } from '../state/chat-context';

export function LiveRegion() {
  const store = useStore();
  return (
    <div
      className="visually-hidden"
      aria-live="polite"
      aria-atomic="true"
      data-testid="live-region"
    >
      {store.announcement}
    </div>
  );
}
