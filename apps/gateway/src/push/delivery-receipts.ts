import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { MARK_DELIVERED_BATCH_MAX, MessagingSubjects } from '@jchat/contracts';
import { BusClient } from '@jchat/bus';

/** Receipts are gathered this long, then one per account and conversation is sent. */
const FLUSH_MS = 1000;
const MAX_PENDING = 100_000;

/**
 * A MessagePush put the message on the recipient's device: tell messaging it was
 * delivered. The delivered position only moves forward, so the receipts of one account
 * in one conversation are coalesced, naming the latest message pushed, and every
 * FLUSH_MS all of them go to messaging in one `markDeliveredBatch`. Fire and forget: a
 * lost receipt leaves a message at "sent" until the next one.
 */
@Injectable()
export class DeliveryReceipts implements OnModuleDestroy {
  private readonly logger = new Logger('push-receipts');
  private pending = new Map<
    string,
    { userId: string; conversationId: string; messageId: string }
  >();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly bus: BusClient) {}

  delivered(userId: string, conversationId: string | null, messageId: string): void {
    if (conversationId === null) return;
    if (this.pending.size >= MAX_PENDING) this.flush();
    this.pending.set(`${userId}/${conversationId}`, { userId, conversationId, messageId });
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  onModuleDestroy(): void {
    this.flush();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const receipts = [...this.pending.values()];
    this.pending = new Map();
    for (let start = 0; start < receipts.length; start += MARK_DELIVERED_BATCH_MAX) {
      const batch = receipts.slice(start, start + MARK_DELIVERED_BATCH_MAX);
      this.bus
        .request(MessagingSubjects.markDeliveredBatch, { receipts: batch })
        .catch((error: unknown) => {
          this.logger.warn(
            { receipts: batch.length, error: String(error) },
            'could not record deliveries',
          );
        });
    }
  }
}
