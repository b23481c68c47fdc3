import { scrapedCounter, scrapedGauge } from '@jchat/common';

export type PushTransportName = 'websocket' | 'eventsource';

/** Why a push frame was not sent: the connection was closing, or too far behind. */
export type DropReason = 'closed' | 'slow';

interface TransportStats {
  open: number;
  sent: number;
  dropped: Record<DropReason, number>;
}

function stats(): TransportStats {
  return { open: 0, sent: 0, dropped: { closed: 0, slow: 0 } };
}

/**
 * Push counts of this gateway, kept in plain numbers: the push path adds one to a property per
 * frame and nothing else; Prometheus reads them when it scrapes.
 */
export const pushStats: Record<PushTransportName, TransportStats> = {
  websocket: stats(),
  eventsource: stats(),
};

const TRANSPORTS: readonly PushTransportName[] = ['websocket', 'eventsource'];
const REASONS: readonly DropReason[] = ['closed', 'slow'];

scrapedGauge(
  {
    name: 'jchat_push_connections',
    help: 'Open push connections: WebSockets and EventSource streams',
    labelNames: ['transport'] as const,
  },
  () => TRANSPORTS.map((transport) => [{ transport }, pushStats[transport].open]),
);

scrapedCounter(
  {
    name: 'jchat_push_frames_sent_total',
    help: 'Push frames (StateChange, MessagePush, Typing) written to clients',
    labelNames: ['transport'] as const,
  },
  () => TRANSPORTS.map((transport) => [{ transport }, pushStats[transport].sent]),
);

scrapedCounter(
  {
    name: 'jchat_push_frames_dropped_total',
    help: 'Push frames not sent: the connection was closing (closed) or too far behind (slow)',
    labelNames: ['transport', 'reason'] as const,
  },
  () =>
    TRANSPORTS.flatMap((transport) =>
      REASONS.map(
        (reason) => [{ transport, reason }, pushStats[transport].dropped[reason]] as const,
      ),
    ),
);
