import type { EventBus } from '@jchat/bus';
import { PushLagMonitor } from './push-lag.monitor';

describe('PushLagMonitor', () => {
  const monitor = () => new PushLagMonitor({} as EventBus);
  const report = (gatewayId: string, lagMs: number, validForMs = 1000) => ({
    gatewayId,
    lagMs,
    validForMs,
  });

  it('counts a lag two reports in a row agree on, not one late batch', () => {
    const lag = monitor();
    lag.record(report('a', 900), 0);
    expect(lag.lagMs(10)).toBe(0);
    lag.record(report('a', 700), 250);
    expect(lag.lagMs(260)).toBe(700);
    lag.record(report('a', 20), 500);
    expect(lag.lagMs(510)).toBe(20);
  });

  it('is the worst among the gateways whose reports still hold', () => {
    const lag = monitor();
    for (const at of [0, 250]) {
      lag.record(report('a', 900), at);
      lag.record(report('b', 300, 5000), at);
    }
    expect(lag.lagMs(500)).toBe(900);
    expect(lag.lagMs(1250)).toBe(300);
    expect(lag.lagMs(5250)).toBe(0);
  });

  it('does not pair a report with one that had expired before it', () => {
    const lag = monitor();
    lag.record(report('a', 900), 0);
    lag.record(report('a', 900), 2000);
    expect(lag.lagMs(2010)).toBe(0);
  });

  it('holds a report 10 s at most, whatever it says', () => {
    const lag = monitor();
    lag.record(report('a', 900, 1e12), 0);
    lag.record(report('a', 900, 1e12), 250);
    expect(lag.lagMs(10_000)).toBe(900);
    expect(lag.lagMs(10_250)).toBe(0);
  });
});
