/**
 * Read receipts and delivery, derived from positions: a participant's row holds the seq of the
 * last message they read (`lastReadSeq`) and the highest one their clients received
 * (`lastDeliveredSeq`). Nothing is written per recipient per message, and nothing is loaded per
 * recipient either: the repository aggregates the positions in SQL into a `ReceiptSummary`.
 */

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

/** readBy lists at most this many readers (the first by user id): a reply must stay well under NATS' 1 MB. */
export const READ_BY_CAP = 100;

/**
 * The positions of one message's audience (the active participants other than the sender who
 * were there when it arrived), aggregated.
 */
export interface ReceiptSummary {
  /** How many are in the audience. */
  audience: number;
  /** How many of them read up to (at least) the message. */
  read: number;
  /** How many of their clients received it (or they read it). */
  delivered: number;
  /** The readers, sorted by id, at most READ_BY_CAP. */
  readBy: string[];
}

export const EMPTY_SUMMARY: ReceiptSummary = { audience: 0, read: 0, delivered: 0, readBy: [] };

/**
 * The sender's view: `read` once every other participant who was there when it arrived has read
 * it, `delivered` once all their clients received it, else `sent`. With nobody else there it
 * stays `sent`. Only meaningful to the sender (others get null).
 */
export function deliveryStatusOf(storedStatus: string, summary: ReceiptSummary): DeliveryStatus {
  if (storedStatus === 'failed') return 'failed';
  if (summary.audience === 0) return 'sent';
  if (summary.read >= summary.audience) return 'read';
  if (summary.delivered >= summary.audience) return 'delivered';
  return 'sent';
}
