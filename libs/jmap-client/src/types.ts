// JMAP wire types (RFC 8620, RFC 8887) as this client uses them.

export const CAPABILITIES = {
  core: 'urn:ietf:params:jmap:core',
  chat: 'urn:ietf:params:jmap:chat',
  websocket: 'urn:ietf:params:jmap:websocket',
} as const;

export type JsonObject = Record<string, unknown>;

/** `[name, arguments, callId]` */
export type Invocation = [string, JsonObject, string];

export interface JmapRequest {
  using: string[];
  methodCalls: Invocation[];
  createdIds?: Record<string, string>;
}

export interface JmapResponse {
  methodResponses: Invocation[];
  sessionState?: string;
  createdIds?: Record<string, string>;
}

export interface JmapSession {
  capabilities: Record<string, JsonObject>;
  accounts: Record<string, { name: string; isPersonal: boolean; accountCapabilities: JsonObject }>;
  primaryAccounts: Record<string, string>;
  username: string;
  apiUrl: string;
  downloadUrl: string;
  uploadUrl: string;
  eventSourceUrl: string;
  state: string;
}

/** RFC 8620 §3.7: a value taken from an earlier call's answer. */
export interface ResultReference {
  resultOf: string;
  name: string;
  path: string;
}

export interface StateChange {
  '@type': 'StateChange';
  changed: Record<string, Record<string, string>>;
  pushState?: string;
}

/** Anything else the server pushes (MessagePush, Typing, ...). */
export interface PushObject {
  '@type': string;
  [key: string]: unknown;
}

export interface ChangesResponse {
  accountId: string;
  oldState: string;
  newState: string;
  hasMoreChanges: boolean;
  created: string[];
  updated: string[];
  destroyed: string[];
}

export interface GetResponse<T> {
  accountId: string;
  state: string;
  list: T[];
  notFound: string[];
}

export interface QueryResponse {
  accountId: string;
  queryState: string;
  canCalculateChanges: boolean;
  position: number;
  ids: string[];
  total?: number;
}

export interface SetError {
  type: string;
  description?: string;
  properties?: string[];
  [key: string]: unknown;
}

export interface SetResponse<T = JsonObject> {
  accountId: string;
  oldState: string | null;
  newState: string;
  created?: Record<string, T> | null;
  updated?: Record<string, T | null> | null;
  destroyed?: string[] | null;
  notCreated?: Record<string, SetError> | null;
  notUpdated?: Record<string, SetError> | null;
  notDestroyed?: Record<string, SetError> | null;
}

/** A method-level error answer (`["error", {type}, callId]`). */
export class JmapMethodError extends Error {
  constructor(
    readonly type: string,
    readonly callId: string,
    readonly details: JsonObject = {},
  ) {
    super(
      `${type}${typeof details['description'] === 'string' ? `: ${details['description']}` : ''}`,
    );
    this.name = 'JmapMethodError';
  }
}

/** The whole request failed (HTTP status, problem+json, RequestError frame, lost connection). */
export class JmapRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    /** Worth retrying later: the network or the server is away, not the request wrong. */
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'JmapRequestError';
  }
}
