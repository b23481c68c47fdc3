import { JmapRequestError, RequestErrorTypes } from '@jchat/jmap';
import { PUSH_OBJECT_TYPES } from '../push-config';

/** A client message of RFC 8887 §4.3 (plus our `includeObjects` extension). */
export type ClientFrame =
  | {
      kind: 'request';
      id: string | null;
      /** It changes something (a `/set` call): the user is active, not just syncing. */
      writes: boolean;
    }
  | {
      kind: 'pushEnable';
      dataTypes: string[] | null;
      pushState: string | null;
      includeObjects: string[];
    }
  | { kind: 'pushDisable' }
  | { kind: 'invalid'; id: string | null; error: JmapRequestError };

const OBJECT_TYPES: ReadonlySet<string> = new Set(PUSH_OBJECT_TYPES);

function notRequest(detail: string, id: string | null = null): ClientFrame {
  return { kind: 'invalid', id, error: new JmapRequestError(RequestErrorTypes.notRequest, detail) };
}

function stringList(value: unknown): string[] | null {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : null;
}

function hasSetCall(methodCalls: unknown): boolean {
  return (
    Array.isArray(methodCalls) &&
    methodCalls.some(
      (call) => Array.isArray(call) && typeof call[0] === 'string' && call[0].endsWith('/set'),
    )
  );
}

/** Classifies one text message; a Request is run from the same text by the JMAP API service. */
export function parseClientFrame(text: string): ClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      kind: 'invalid',
      id: null,
      error: new JmapRequestError(RequestErrorTypes.notJSON, 'The message is not valid JSON.'),
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return notRequest('A message must be a JSON object with an "@type".');
  }
  const frame = value as Record<string, unknown>;
  switch (frame['@type']) {
    case 'Request': {
      const id = frame['id'];
      if (id !== undefined && typeof id !== 'string') return notRequest('"id" must be a String.');
      return { kind: 'request', id: id ?? null, writes: hasSetCall(frame['methodCalls']) };
    }
    case 'WebSocketPushEnable': {
      const dataTypes = frame['dataTypes'] ?? null;
      const pushState = frame['pushState'] ?? null;
      const includeObjects = frame['includeObjects'] ?? [];
      if (dataTypes !== null && stringList(dataTypes) === null) {
        return notRequest('"dataTypes" must be null or a list of type names.');
      }
      if (pushState !== null && typeof pushState !== 'string')
        return notRequest('"pushState" must be a String.');
      const objects = stringList(includeObjects);
      if (objects === null || !objects.every((type) => OBJECT_TYPES.has(type))) {
        return notRequest(`"includeObjects" must be a list of: ${PUSH_OBJECT_TYPES.join(', ')}.`);
      }
      return {
        kind: 'pushEnable',
        dataTypes: stringList(dataTypes),
        pushState,
        includeObjects: objects,
      };
    }
    case 'WebSocketPushDisable':
      return { kind: 'pushDisable' };
    default:
      return notRequest('"@type" must be Request, WebSocketPushEnable or WebSocketPushDisable.');
  }
}
