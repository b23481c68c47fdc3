import type { EventBus } from '@jchat/bus';
import type { PushLagReport } from '@jchat/contracts';
import type { PresenceReporter } from './presence-reporter.service';
import type { PushConfig } from './push-config';
import { PushLagReporter } from './push-lag-reporter.service';

function setup() {
  const reports: PushLagReport[] = [];
  const bus = { reportPushLag: (report: PushLagReport) => void reports.push(report) };
  const config = { PUSH_LAG_REPORT_MS: 250 } as PushConfig;
  const presence = { gatewayId: 'host:1:abcd' } as PresenceReporter;
  const reporter = new PushLagReporter(bus as unknown as EventBus, presence, config);
  return { reporter, reports };
}

describe('PushLagReporter', () => {
  it('reports the freshest delivery of the interval by its age on arrival, then starts over', () => {
    const { reporter, reports } = setup();
    // A burst: the deliveries queued behind a large batch arrive late, the next one fresh.
    reporter.arrived(10_000, 10_040);
    reporter.arrived(10_000, 10_700);
    reporter.arrived(10_650, 10_710);
    reporter.report();
    // A standing backlog: every delivery of the interval waited at least 900 ms.
    reporter.arrived(10_000, 11_000);
    reporter.arrived(10_200, 11_100);
    reporter.report();
    reporter.report();
    expect(reports.map((r) => r.lagMs)).toEqual([40, 900, 0]);
    expect(reports[0]?.validForMs).toBe(1000);
    expect(reports.map((r) => r.gatewayId)).toEqual(['host:1:abcd', 'host:1:abcd', 'host:1:abcd']);
  });

  it('ignores deliveries without a publication time and clocks that disagree', () => {
    const { reporter, reports } = setup();
    reporter.arrived(undefined, 10_000);
    reporter.arrived(10_050, 10_000);
    reporter.report();
    expect(reports.map((r) => r.lagMs)).toEqual([0]);
  });
});
