import { Counter, Histogram, LATENCY_BUCKETS } from '@jchat/common';
import { JMAP_METHOD_ERROR_TYPES } from '@jchat/jmap';
import { JMAP_TYPE_OWNERS } from '@jchat/contracts';
import type { JmapInvocation } from '@jchat/contracts';

const STANDARD_METHODS: ReadonlySet<string> = new Set([
  'get',
  'set',
  'changes',
  'query',
  'queryChanges',
  'copy',
]);
const ERROR_TYPES: ReadonlySet<string> = new Set(JMAP_METHOD_ERROR_TYPES);

/**
 * The `method` label of a call: its name when it is a standard method of a known type (or
 * Core/echo), else `other`. Clients choose method names, so the label set must not be theirs.
 */
export function jmapMethodLabel(name: string): string {
  const slash = name.indexOf('/');
  if (slash <= 0) return 'other';
  const type = name.slice(0, slash);
  const method = name.slice(slash + 1);
  if (type === 'Core') return method === 'echo' ? name : 'other';
  return Object.hasOwn(JMAP_TYPE_OWNERS, type) && STANDARD_METHODS.has(method) ? name : 'other';
}

/** The `outcome` label of a call's first response: `ok`, or its JMAP error type. */
export function jmapOutcomeLabel(responses: readonly JmapInvocation[]): string {
  const [first] = responses;
  if (!first || first[0] !== 'error') return 'ok';
  const type = first[1]['type'];
  return typeof type === 'string' && ERROR_TYPES.has(type) ? type : 'other';
}

const calls = new Counter({
  name: 'jchat_jmap_calls_total',
  help: 'JMAP method calls by method and outcome (ok, or the JMAP error type)',
  labelNames: ['method', 'outcome'] as const,
});

const durations = new Histogram({
  name: 'jchat_jmap_call_duration_seconds',
  help: 'Time to answer a JMAP method call, by method',
  labelNames: ['method'] as const,
  buckets: LATENCY_BUCKETS,
});

/**
 * Counts one method call and its time. The gateway records each call of a request as the client
 * sees it (the NATS round trip included); a service records its own handling of the call.
 */
export function recordJmapCall(
  name: string,
  responses: readonly JmapInvocation[],
  seconds: number,
): void {
  const method = jmapMethodLabel(name);
  calls.inc({ method, outcome: jmapOutcomeLabel(responses) });
  durations.observe({ method }, seconds);
}
