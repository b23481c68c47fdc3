// A batch of method calls sent as one JMAP request, later calls referring to the answers of
// earlier ones with result references (`"#ids": {resultOf, name, path}`).
import {
  type Invocation,
  type JmapResponse,
  type JsonObject,
  JmapMethodError,
  type ResultReference,
} from './types';

/** Marks an argument as a result reference; `call()` turns `ids: ref` into `"#ids": {...}`. */
export class Ref implements ResultReference {
  constructor(
    readonly resultOf: string,
    readonly name: string,
    readonly path: string,
  ) {}
}

export interface Call<T> {
  readonly callId: string;
  readonly name: string;
  /** A reference to a JSON pointer of this call's answer, e.g. `/ids` or `/list/*\/id`. */
  ref(path: string): Ref;
  /** Brands the answer type; never set. */
  readonly _answer?: T;
}

export type CallArgs = Record<string, unknown>;

export class Batch {
  private readonly calls: Invocation[] = [];

  call<T = JsonObject>(name: string, args: CallArgs): Call<T> {
    const callId = `c${this.calls.length}`;
    const wire: JsonObject = {};
    for (const [key, value] of Object.entries(args)) {
      if (value instanceof Ref) {
        wire[`#${key}`] = { resultOf: value.resultOf, name: value.name, path: value.path };
      } else if (value !== undefined) {
        wire[key] = value;
      }
    }
    this.calls.push([name, wire, callId]);
    return { callId, name, ref: (path: string) => new Ref(callId, name, path) };
  }

  get invocations(): Invocation[] {
    return this.calls.map(([name, args, id]) => [name, args, id]);
  }

  get size(): number {
    return this.calls.length;
  }
}

/** The answers of one batch, read by the calls that asked for them. */
export class BatchResult {
  constructor(readonly response: JmapResponse) {}

  /** The answer of `call`; throws JmapMethodError when it answered `error`. */
  get<T>(call: Call<T>): T {
    const answers = this.response.methodResponses.filter(([, , id]) => id === call.callId);
    const own = answers.find(([name]) => name === call.name) ?? answers[0];
    if (!own) throw new JmapMethodError('serverFail', call.callId, { description: 'no answer' });
    const [name, args] = own;
    if (name === 'error') {
      throw new JmapMethodError(String(args['type'] ?? 'serverFail'), call.callId, args);
    }
    return args as T;
  }

  /** The error type of `call`, or null when it succeeded. */
  errorOf(call: Call<unknown>): string | null {
    try {
      this.get(call);
      return null;
    } catch (error) {
      if (error instanceof JmapMethodError) return error.type;
      throw error;
    }
  }
}
