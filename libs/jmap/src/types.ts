/** One method call or response: [name, arguments, method call id] (RFC 8620 §3.2). */
export type Invocation = [name: string, args: Record<string, unknown>, callId: string];

/** RFC 8620 §3.3. */
export interface JmapRequest {
  using: string[];
  methodCalls: Invocation[];
  createdIds?: Record<string, string>;
}

/** RFC 8620 §3.4. */
export interface JmapResponse {
  methodResponses: Invocation[];
  createdIds?: Record<string, string>;
  sessionState: string;
}

/** RFC 8620 §3.7. */
export interface ResultReference {
  resultOf: string;
  name: string;
  path: string;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `Array.isArray` without the `any[]` it narrows to. */
export function isArray(value: unknown): value is unknown[] {
  return Array.isArray(value);
}
