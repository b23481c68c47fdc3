import { contract } from './contract';
import type { ServiceName } from './services';

/** One JMAP method call, routed by the gateway to the service owning its type. */
export interface JmapCallRequest {
  /** The authenticated user (also their account id). */
  userId: string;
  sessionId: string;
  /** e.g. "Conversation/get" */
  name: string;
  arguments: Record<string, unknown>;
  callId: string;
  /** Creation ids known so far in this request (RFC 8620 §3.3). */
  createdIds: Record<string, string>;
  /**
   * When the caller stops waiting (ms since the epoch): work that cannot finish before it is
   * better refused (retryably) than done unseen, e.g. a send stored after its client was told
   * serverUnavailable.
   */
  deadline?: number;
  /**
   * The most bytes (JSON of `methodResponses`) a reply of a method that changes nothing may
   * have: what is left of the request's response budget. Over it, the method answers
   * `requestTooLarge` instead.
   */
  maxReplyBytes?: number;
}

export type JmapInvocation = [name: string, args: Record<string, unknown>, callId: string];

export interface JmapCallReply {
  /** Usually one response; a method may add more (RFC 8620 §3.6.1 "implicit" calls). */
  methodResponses: JmapInvocation[];
  createdIds: Record<string, string>;
  /** Bytes of `methodResponses` as JSON, measured by the service. */
  bytes?: number;
}

export const JmapCallSubjects = {
  auth: contract<JmapCallRequest, JmapCallReply>('auth.jmap.call.v1'),
  conversations: contract<JmapCallRequest, JmapCallReply>('conversations.jmap.call.v1'),
  messaging: contract<JmapCallRequest, JmapCallReply>('messaging.jmap.call.v1'),
  presence: contract<JmapCallRequest, JmapCallReply>('presence.jmap.call.v1'),
  rbac: contract<JmapCallRequest, JmapCallReply>('rbac.jmap.call.v1'),
} as const satisfies Record<ServiceName, unknown>;
