import { JmapRequestError, RequestErrorTypes } from './errors';
import { isArray, isPlainObject, type Invocation, type JmapRequest } from './types';

export interface RequestLimits {
  maxCallsInRequest: number;
}

/** Deeper values could not be serialised again (the call stack ends first). */
export const MAX_JSON_DEPTH = 64;

/**
 * Parses the HTTP body text of an API request; throws `notJSON` when it is not
 * JSON, and `notRequest` when it nests deeper than MAX_JSON_DEPTH or holds U+0000
 * (which no PostgreSQL text column can store).
 */
export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new JmapRequestError(RequestErrorTypes.notJSON, 'The request body is not valid JSON.');
  }
  checkJsonShape(value);
  return value;
}

function checkJsonShape(root: unknown): void {
  const stack: [unknown, number][] = [[root, 1]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [value, depth] = item;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) throw notRequest('Strings must not contain U+0000.');
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_JSON_DEPTH) {
      throw notRequest(`The request nests deeper than ${MAX_JSON_DEPTH} levels.`);
    }
    const children = Array.isArray(value) ? value : Object.entries(value).flat();
    for (const child of children) stack.push([child, depth + 1]);
  }
}

/** Checks a decoded body against the Request object (RFC 8620 §3.3) and the server's limits. */
export function parseRequest(
  body: unknown,
  limits: RequestLimits,
  supportedCapabilities: ReadonlySet<string>,
): JmapRequest {
  if (!isPlainObject(body)) throw notRequest('The request must be a JSON object.');

  const using = parseUsing(body['using']);
  const methodCalls = parseMethodCalls(body['methodCalls']);
  const createdIds = parseCreatedIds(body['createdIds']);

  const unknown = using.filter((capability) => !supportedCapabilities.has(capability));
  if (unknown.length > 0) {
    const list = unknown.map((capability) => `'${capability}'`).join(', ');
    throw new JmapRequestError(
      RequestErrorTypes.unknownCapability,
      `The request used capabilities not supported by this server: ${list}.`,
    );
  }
  if (methodCalls.length > limits.maxCallsInRequest) {
    throw new JmapRequestError(
      RequestErrorTypes.limit,
      `The request has ${methodCalls.length} method calls; the maximum is ${limits.maxCallsInRequest}.`,
      { limit: 'maxCallsInRequest' },
    );
  }

  return createdIds === undefined ? { using, methodCalls } : { using, methodCalls, createdIds };
}

function notRequest(detail: string): JmapRequestError {
  return new JmapRequestError(RequestErrorTypes.notRequest, detail);
}

function parseUsing(value: unknown): string[] {
  if (!isArray(value)) throw notRequest('"using" must be an array of strings.');
  return value.map((capability) => {
    if (typeof capability !== 'string') throw notRequest('"using" must be an array of strings.');
    return capability;
  });
}

function parseMethodCalls(value: unknown): Invocation[] {
  if (!isArray(value)) throw notRequest('"methodCalls" must be an array.');
  return value.map((call, index) => {
    if (isArray(call) && call.length === 3) {
      const [name, args, callId] = call;
      if (typeof name === 'string' && isPlainObject(args) && typeof callId === 'string') {
        return [name, args, callId];
      }
    }
    throw notRequest(
      `methodCalls[${index}] must be a [name: string, arguments: object, callId: string] tuple.`,
    );
  });
}

function parseCreatedIds(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const invalid = () => notRequest('"createdIds" must be an object mapping creation ids to ids.');
  if (!isPlainObject(value)) throw invalid();
  return Object.fromEntries(
    Object.entries(value).map(([creationId, id]) => {
      if (typeof id !== 'string') throw invalid();
      return [creationId, id];
    }),
  );
}
