import { Controller, Global, Injectable, Logger, Module, type Type } from '@nestjs/common';
import { Ctx, MessagePattern, type NatsContext, Payload } from '@nestjs/microservices';
import { describeStoreFailure, secondsSince, storeFailureOf } from '@jchat/common';
import { JmapMethodError } from '@jchat/jmap';
import { subjectOf } from '@jchat/contracts';
import {
  type JmapCallReply,
  type JmapCallRequest,
  JmapCallSubjects,
  type JmapInvocation,
} from '@jchat/contracts';
import { DomainException, type DomainErrorCode, ServiceUnavailableError } from '@jchat/contracts';
import type { ServiceName } from '@jchat/contracts';
import { REQUEST_ID_HEADER } from './bus-client';
import { jmapOutcomeLabel, recordJmapCall } from './jmap-metrics';
import { MAX_CARRIED_BYTES } from './staged-payloads';

/** The largest reply of a method call: what NATS carries, less room for the envelope. */
export const MAX_METHOD_REPLY_BYTES = MAX_CARRIED_BYTES - 1024 * 1024;

export interface JmapMethodContext {
  userId: string;
  sessionId: string;
  callId: string;
  createdIds: Record<string, string>;
  requestId: string | undefined;
  /** When the caller stops waiting (ms since the epoch), if it said. */
  deadline: number | undefined;
}

export interface JmapMethodOutcome {
  response: object;
  /** Creation ids this call added (from `/set` creates). */
  createdIds?: Record<string, string>;
}

export type JmapMethodHandler = (
  args: Record<string, unknown>,
  context: JmapMethodContext,
) => Promise<JmapMethodOutcome>;

/** Methods a service implements, registered by its feature modules at start-up. */
@Injectable()
export class JmapMethodRegistry {
  private readonly logger = new Logger('jmap');
  private readonly handlers = new Map<string, JmapMethodHandler>();

  register(name: string, handler: JmapMethodHandler): void {
    if (this.handlers.has(name)) throw new Error(`JMAP method ${name} registered twice`);
    this.handlers.set(name, handler);
  }

  /** Registers methods by their full names (`standardMethods` in libs/jmap makes them). */
  registerAll(methods: Record<string, JmapMethodHandler>): void {
    for (const [name, handler] of Object.entries(methods)) this.register(name, handler);
  }

  names(): string[] {
    return [...this.handlers.keys()];
  }

  /**
   * Runs one method call. Counted in jchat_jmap_calls_total / jchat_jmap_call_duration_seconds,
   * and logged at debug level (with the request id, as every line written while it runs).
   */
  async dispatch(request: JmapCallRequest, requestId: string | undefined): Promise<JmapCallReply> {
    const startedAt = performance.now();
    const reply = await this.run(request, requestId);
    const seconds = secondsSince(startedAt);
    recordJmapCall(request.name, reply.methodResponses, seconds);
    this.logger.debug(
      `${request.name} ${jmapOutcomeLabel(reply.methodResponses)} in ${Math.round(seconds * 1000)} ms`,
    );
    return reply;
  }

  private async run(
    request: JmapCallRequest,
    requestId: string | undefined,
  ): Promise<JmapCallReply> {
    const handler = this.handlers.get(request.name);
    const context: JmapMethodContext = {
      userId: request.userId,
      sessionId: request.sessionId,
      callId: request.callId,
      createdIds: request.createdIds,
      requestId,
      deadline: typeof request.deadline === 'number' ? request.deadline : undefined,
    };
    if (!handler) {
      return this.error(
        request,
        new JmapMethodError('unknownMethod', `${request.name} is not a method of this server`),
      );
    }
    let outcome: JmapMethodOutcome;
    try {
      outcome = await handler(request.arguments, context);
    } catch (error: unknown) {
      if (error instanceof JmapMethodError) return this.error(request, error);
      if (error instanceof DomainException) return this.error(request, domainMethodError(error));
      if (error instanceof ServiceUnavailableError) {
        return this.error(
          request,
          new JmapMethodError('serverUnavailable', 'a service this method needs did not answer'),
        );
      }
      const failure = storeFailureOf(error);
      if (failure) {
        const what = describeStoreFailure(failure);
        this.logger.warn({ requestId, method: request.name, error: String(error) }, what);
        return this.error(
          request,
          new JmapMethodError('serverUnavailable', `${what}; retry shortly`),
        );
      }
      this.logger.error(
        {
          requestId,
          method: request.name,
          error: error instanceof Error ? error.stack : String(error),
        },
        'method failed',
      );
      return this.error(
        request,
        new JmapMethodError('serverFail', 'the method failed on the server'),
      );
    }
    const methodResponses: JmapInvocation[] = [
      [request.name, { ...outcome.response }, request.callId],
    ];
    const bytes = jsonBytes(methodResponses);
    const maxBytes = Math.min(request.maxReplyBytes ?? Infinity, MAX_METHOD_REPLY_BYTES);
    // A /set has made its changes: its answer goes out whatever its size.
    if (bytes > maxBytes && !request.name.endsWith('/set')) {
      return this.error(
        request,
        new JmapMethodError(
          'requestTooLarge',
          `the answer is ${bytes} bytes, more than the ${maxBytes} bytes this request may ` +
            'still return: ask for fewer objects per call (or fewer properties), or split the request',
        ),
      );
    }
    return {
      methodResponses,
      createdIds: { ...request.createdIds, ...outcome.createdIds },
      bytes,
    };
  }

  private error(request: JmapCallRequest, error: JmapMethodError): JmapCallReply {
    const methodResponses: JmapInvocation[] = [['error', error.toResponseArgs(), request.callId]];
    return { methodResponses, createdIds: request.createdIds, bytes: jsonBytes(methodResponses) };
  }
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/** The JMAP method error for a domain error, as the service's callers see it. */
export function domainMethodError(error: DomainException): JmapMethodError {
  const code: DomainErrorCode = error.code;
  switch (code) {
    case 'invalid_argument':
    case 'not_found':
    case 'conflict':
      return new JmapMethodError('invalidArguments', error.message);
    case 'unauthenticated':
    case 'forbidden':
      return new JmapMethodError('forbidden', error.message);
    case 'rate_limited':
      return new JmapMethodError('limit', error.message);
    case 'unavailable':
      return new JmapMethodError('serverUnavailable', error.message);
    case 'internal':
      return new JmapMethodError('serverFail', error.message);
  }
}

/** The NATS handler through which the gateway reaches a service's JMAP methods. */
export function jmapCallController(service: ServiceName): Type<unknown> {
  @Controller()
  class JmapCallController {
    constructor(private readonly registry: JmapMethodRegistry) {}

    @MessagePattern(subjectOf(JmapCallSubjects[service]))
    call(@Payload() request: JmapCallRequest, @Ctx() context: NatsContext): Promise<JmapCallReply> {
      const requestId = context.getHeaders()?.get(REQUEST_ID_HEADER) || undefined;
      return this.registry.dispatch(request, requestId);
    }
  }
  return JmapCallController;
}

/** Makes one registry per service process available to its feature modules. */
@Global()
@Module({ providers: [JmapMethodRegistry], exports: [JmapMethodRegistry] })
export class JmapMethodsModule {}
