import { deliveryStatusOf, readByOf, type ReadPosition } from './receipts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-02T00:00:00Z');

function pos(userId: string, read: number, delivered: number, joinedAt = t0): ReadPosition {
  return { userId, lastReadSeq: BigInt(read), lastDeliveredSeq: BigInt(delivered), joinedAt };
}

const message = { senderId: 'ann', seq: 5n, receivedAt: t1, storedStatus: 'sent' };

describe('readByOf', () => {
  it('lists the others whose read position reached the message', () => {
    expect(
      readByOf(message, [pos('ann', 5, 5), pos('cid', 7, 7), pos('bob', 5, 5), pos('dan', 4, 9)]),
    ).toEqual(['bob', 'cid']);
  });
});

it('readBy leaves out participants who joined after the message arrived', () => {
  const late = pos('eve', 9, 9, new Date('2026-01-03T00:00:00Z'));
  expect(readByOf(message, [pos('bob', 5, 5), late])).toEqual(['bob']);
});

describe('deliveryStatusOf', () => {
  it('is sent until every other client received it', () => {
    expect(deliveryStatusOf(message, [pos('ann', 5, 5), pos('bob', 0, 5), pos('cid', 0, 4)])).toBe(
      'sent',
    );
  });

  it('is delivered when every other client received it', () => {
    expect(deliveryStatusOf(message, [pos('ann', 5, 5), pos('bob', 0, 5), pos('cid', 3, 6)])).toBe(
      'delivered',
    );
  });

  it('is read when every other participant read it', () => {
    expect(deliveryStatusOf(message, [pos('ann', 5, 5), pos('bob', 5, 5), pos('cid', 6, 6)])).toBe(
      'read',
    );
  });

  it('ignores participants who joined after the message arrived', () => {
    const late = pos('eve', 0, 0, new Date('2026-01-03T00:00:00Z'));
    expect(deliveryStatusOf(message, [pos('bob', 5, 5), late])).toBe('read');
  });

  it('stays sent with nobody else, and failed when stored so', () => {
    expect(deliveryStatusOf(message, [pos('ann', 5, 5)])).toBe('sent');
    expect(deliveryStatusOf({ ...message, storedStatus: 'failed' }, [pos('bob', 9, 9)])).toBe(
      'failed',
    );
  });
});
