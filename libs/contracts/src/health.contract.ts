import type { HealthProbeName, ProbeState } from '@jchat/common';
import { contract } from './contract';
import type { ServiceName } from './services';

export interface HealthRequest {
  /** Sent only to make each probe distinct in traces. */
  probe: string;
}
export interface HealthReply {
  service: ServiceName;
  instance: string;
  uptimeSeconds: number;
  /** The service's own connections, each checked as it answers (absent from old replicas). */
  checks?: Partial<Record<HealthProbeName, ProbeState>>;
}

export const HealthSubjects = {
  auth: contract<HealthRequest, HealthReply>('auth.health.v1'),
  conversations: contract<HealthRequest, HealthReply>('conversations.health.v1'),
  messaging: contract<HealthRequest, HealthReply>('messaging.health.v1'),
  presence: contract<HealthRequest, HealthReply>('presence.health.v1'),
  rbac: contract<HealthRequest, HealthReply>('rbac.health.v1'),
} as const satisfies Record<ServiceName, unknown>;
