import { Histogram, LATENCY_BUCKETS } from '@jchat/common';

const requestDurations = new Histogram({
  name: 'jchat_nats_request_duration_seconds',
  help: 'NATS request/reply round trips made by this process, by subject and outcome (ok, error: the service answered with an error, unavailable: no answer)',
  labelNames: ['subject', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
});

export type BusOutcome = 'ok' | 'error' | 'unavailable';

/** `subject` is the contract's subject without the deployment prefix (a fixed set). */
export function recordBusRequest(subject: string, outcome: BusOutcome, seconds: number): void {
  requestDurations.observe({ subject, outcome }, seconds);
}
