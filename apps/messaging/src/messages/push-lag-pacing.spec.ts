import { PushLagPacing } from './push-lag-pacing';

describe('PushLagPacing', () => {
  const refusedOf = (pacing: PushLagPacing, lagMs: number, sends: number) =>
    Array.from({ length: sends }, () => pacing.refusal(lagMs)).filter((hint) => hint !== null)
      .length;

  it('takes every send while the lag is under a third of the limit', () => {
    const pacing = new PushLagPacing(1500);
    expect(refusedOf(pacing, 0, 100)).toBe(0);
    expect(refusedOf(pacing, 500, 100)).toBe(0);
  });

  it('refuses a share growing with the lag between a third of the limit and the limit', () => {
    expect(refusedOf(new PushLagPacing(1500), 750, 100)).toBe(25);
    expect(refusedOf(new PushLagPacing(1500), 1000, 100)).toBe(50);
    expect(refusedOf(new PushLagPacing(1500), 1250, 100)).toBe(75);
  });

  it('spreads the refusals evenly rather than refusing a run of sends', () => {
    const pacing = new PushLagPacing(1500);
    const refused = Array.from({ length: 8 }, () => pacing.refusal(750) !== null);
    expect(refused).toEqual([false, false, false, true, false, false, false, true]);
  });

  it('refuses every send from the limit on', () => {
    expect(refusedOf(new PushLagPacing(1500), 1500, 50)).toBe(50);
    expect(refusedOf(new PushLagPacing(1500), 60_000, 50)).toBe(50);
  });

  it('hints the time the backlog needs to shrink to where refusals start, within 100 ms–10 s', () => {
    expect(new PushLagPacing(1500).refusal(3000)).toBe(2500);
    expect(new PushLagPacing(300).refusal(300)).toBe(200);
    expect(new PushLagPacing(90).refusal(90)).toBe(100);
    expect(new PushLagPacing(1500).refusal(60_000)).toBe(10_000);
  });

  it('forgets owed refusals once the lag is back under a third of the limit', () => {
    const pacing = new PushLagPacing(1500);
    expect(pacing.refusal(750)).toBeNull();
    expect(pacing.refusal(750)).toBeNull();
    expect(pacing.refusal(750)).toBeNull();
    expect(pacing.refusal(100)).toBeNull();
    expect(pacing.refusal(750)).toBeNull();
  });

  it('never refuses when the limit is 0', () => {
    expect(refusedOf(new PushLagPacing(0), 60_000, 10)).toBe(0);
  });
});
