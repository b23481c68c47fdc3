export const CORE_CAPABILITY = 'urn:ietf:params:jmap:core';
export const CHAT_CAPABILITY = 'urn:ietf:params:jmap:chat';
export const WEBSOCKET_CAPABILITY = 'urn:ietf:params:jmap:websocket';

/** The `urn:ietf:params:jmap:core` capability object of the Session (RFC 8620 §2). */
export interface CoreCapability {
  maxSizeUpload: number;
  maxConcurrentUpload: number;
  maxSizeRequest: number;
  maxConcurrentRequests: number;
  maxCallsInRequest: number;
  maxObjectsInGet: number;
  maxObjectsInSet: number;
  collationAlgorithms: string[];
}

/** The `urn:ietf:params:jmap:websocket` capability object of the Session (RFC 8887 §4). */
export interface WebSocketCapability {
  url: string;
  supportsPush: boolean;
}
