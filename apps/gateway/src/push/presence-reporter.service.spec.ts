import type { BusClient } from '@jchat/bus';
import type { PresenceConnectionsRequest } from '@jchat/contracts';
import { PresenceReporter } from './presence-reporter.service';
import type { PushConfig } from './push-config';

function setup() {
  const reports: PresenceConnectionsRequest[] = [];
  let hold: Promise<void> | null = null;
  let release: () => void = () => undefined;
  let failures = 0;
  const bus = {
    request: async (subject: { subject: string }, request: PresenceConnectionsRequest) => {
      expect(subject.subject).toBe('presence.connections.changed.v1');
      reports.push(structuredClone(request));
      if (hold) await hold;
      if (failures > 0) {
        failures -= 1;
        throw new Error('presence away');
      }
      return {};
    },
  } as unknown as BusClient;
  const reporter = new PresenceReporter(bus, { PUSH_HEARTBEAT_MS: 15_000 } as PushConfig);
  return {
    reporter,
    reports,
    hold: () => {
      hold = new Promise<void>((resolve) => (release = resolve));
    },
    release: () => {
      hold = null;
      release();
    },
    failNext: () => (failures += 1),
  };
}

const changes = (report: PresenceConnectionsRequest | undefined) =>
  report?.changes.map((change) => `${change.opened ? '+' : '-'}${change.userId}`);

describe('PresenceReporter', () => {
  it('reports a lone open at once, with its gateway and time to live', async () => {
    const t = setup();
    await t.reporter.opened('ann');
    expect(t.reports).toEqual([
      {
        gatewayId: t.reporter.gatewayId,
        ttlMs: 45_000,
        changes: [{ userId: 'ann', opened: true }],
      },
    ]);
  });

  it('sends the changes seen while a report is on its way together, in order', async () => {
    const t = setup();
    t.hold();
    const first = t.reporter.opened('ann');
    const rest = [t.reporter.opened('bob'), t.reporter.closed('ann'), t.reporter.opened('ann')];
    t.release();
    await Promise.all([first, ...rest]);
    expect(t.reports.map(changes)).toEqual([['+ann'], ['+bob', '-ann', '+ann']]);
  });

  it('goes on after a report fails (the heartbeat repeats the open accounts)', async () => {
    const t = setup();
    t.failNext();
    await expect(t.reporter.opened('ann')).resolves.toBeUndefined();
    await t.reporter.closed('bob');
    expect(t.reports.map(changes)).toEqual([['+ann'], ['-bob']]);
  });
});
