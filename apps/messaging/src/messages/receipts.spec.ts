import { deliveryStatusOf, EMPTY_SUMMARY, type ReceiptSummary } from './receipts';

function summary(audience: number, read: number, delivered: number): ReceiptSummary {
  return { audience, read, delivered, readBy: [] };
}

describe('deliveryStatusOf', () => {
  it('is sent until every other client received it', () => {
    expect(deliveryStatusOf('sent', summary(2, 0, 1))).toBe('sent');
  });

  it('is delivered when every other client received it', () => {
    expect(deliveryStatusOf('sent', summary(2, 1, 2))).toBe('delivered');
  });

  it('is read when every other participant read it', () => {
    expect(deliveryStatusOf('sent', summary(2, 2, 2))).toBe('read');
  });

  it('stays sent with nobody else, and failed when stored so', () => {
    expect(deliveryStatusOf('sent', EMPTY_SUMMARY)).toBe('sent');
    expect(deliveryStatusOf('failed', summary(1, 1, 1))).toBe('failed');
  });
});
