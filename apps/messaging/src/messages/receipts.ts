/**
 * Read receipts and delivery, derived from read positions: a participant's row holds the seq of
 * the last message they read (`lastReadSeq`) and the highest one their clients received
 * (`lastDeliveredSeq`). Nothing is written per recipient per message.
 */

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

export interface ReadPosition {
  userId: string;
  lastReadSeq: bigint;
  lastDeliveredSeq: bigint;
  joinedAt: Date;
}

export interface ReceiptSubject {
  senderId: string;
  seq: bigint;
  receivedAt: Date;
  /** As stored: 'sent' or 'failed'. */
  storedStatus: string;
}

/** Active participants other than the sender who were there when the message arrived. */
function audienceOf(message: ReceiptSubject, positions: readonly ReadPosition[]): ReadPosition[] {
  return positions.filter(
    (p) => p.userId !== message.senderId && p.joinedAt.getTime() <= message.receivedAt.getTime(),
  );
}

/**
 * Who has read up to (at least) this message: the active participants, other than the sender,
 * who were there when it arrived (someone joining later does not "read" the history), sorted.
 */
export function readByOf(message: ReceiptSubject, positions: readonly ReadPosition[]): string[] {
  return audienceOf(message, positions)
    .filter((p) => p.lastReadSeq >= message.seq)
    .map((p) => p.userId)
    .sort();
}

/**
 * The sender's view: `read` once every other participant who was there when it arrived has read
 * it, `delivered` once all their clients received it, else `sent`. With nobody else there it
 * stays `sent`. Only meaningful to the sender (others get null).
 */
export function deliveryStatusOf(
  message: ReceiptSubject,
  positions: readonly ReadPosition[],
): DeliveryStatus {
  if (message.storedStatus === 'failed') return 'failed';
  const others = audienceOf(message, positions);
  if (others.length === 0) return 'sent';
  if (others.every((p) => p.lastReadSeq >= message.seq)) return 'read';
  if (others.every((p) => maxOf(p.lastDeliveredSeq, p.lastReadSeq) >= message.seq))
    return 'delivered';
  return 'sent';
}

function maxOf(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
