import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  DomainException,
  JMAP_TYPE_OWNERS,
  JmapCallSubjects,
  type JmapCallReply,
  ServiceUnavailableError,
} from '@jchat/contracts';
import { BusClient, domainMethodError, PayloadTooLargeError, recordJmapCall } from '@jchat/bus';
import { secondsSince } from '@jchat/common';
import {
  CHAT_CAPABILITY,
  CORE_CAPABILITY,
  type Invocation,
  JmapMethodError,
  JmapRequestError,
  type JmapResponse,
  jsonBytesWithin,
  parseJsonBody,
  parseRequest,
  RequestErrorTypes,
  resolveResultReferences,
  WEBSOCKET_CAPABILITY,
} from '@jchat/jmap';
import type { AuthUser } from '../auth/auth-user';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { ConcurrencyLimiter } from './concurrency-limiter';

export const SUPPORTED_CAPABILITIES: ReadonlySet<string> = new Set([
  CORE_CAPABILITY,
  CHAT_CAPABILITY,
  WEBSOCKET_CAPABILITY,
]);

interface CallContext {
  user: AuthUser;
  using: ReadonlySet<string>;
  requestId: string;
  /** What is left of JMAP_MAX_SIZE_RESPONSE for the answers of the calls still to run. */
  replyBudget: number;
}

/**
 * Runs a JMAP Request (RFC 8620 §3): method calls in order, result references
 * resolved against earlier responses, each `Type/method` routed over NATS to the
 * service owning `Type`. A service that does not answer gives `serverUnavailable`
 * for that call only.
 */
@Injectable()
export class JmapApiService {
  private readonly logger = new Logger('jmap-api');
  private readonly limiter: ConcurrencyLimiter;

  constructor(
    private readonly bus: BusClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.limiter = new ConcurrencyLimiter(config.JMAP_MAX_CONCURRENT_REQUESTS);
  }

  async handle(
    body: string,
    user: AuthUser,
    requestId: string,
    sessionState: string,
  ): Promise<JmapResponse> {
    const request = parseRequest(
      parseJsonBody(body),
      { maxCallsInRequest: this.config.JMAP_MAX_CALLS_IN_REQUEST },
      SUPPORTED_CAPABILITIES,
    );
    if (!this.limiter.tryAcquire(user.userId)) {
      throw new JmapRequestError(
        RequestErrorTypes.limit,
        `at most ${this.config.JMAP_MAX_CONCURRENT_REQUESTS} concurrent requests per account`,
        { limit: 'maxConcurrentRequests' },
      );
    }
    try {
      const context: CallContext = {
        user,
        using: new Set(request.using),
        requestId,
        replyBudget: this.config.JMAP_MAX_SIZE_RESPONSE,
      };
      let createdIds: Record<string, string> = { ...(request.createdIds ?? {}) };
      const methodResponses: Invocation[] = [];
      for (const [name, rawArgs, callId] of request.methodCalls) {
        const reply = await this.runCall(
          name,
          rawArgs,
          callId,
          createdIds,
          methodResponses,
          context,
        );
        methodResponses.push(...reply.methodResponses);
        createdIds = reply.createdIds;
        context.replyBudget = Math.max(0, context.replyBudget - (reply.bytes ?? 0));
      }
      return {
        methodResponses,
        sessionState,
        ...(request.createdIds === undefined ? {} : { createdIds }),
      };
    } finally {
      this.limiter.release(user.userId);
    }
  }

  private async runCall(
    name: string,
    rawArgs: Record<string, unknown>,
    callId: string,
    createdIds: Record<string, string>,
    previous: readonly Invocation[],
    context: CallContext,
  ): Promise<JmapCallReply> {
    const startedAt = performance.now();
    let reply: JmapCallReply;
    try {
      const args = resolveResultReferences(rawArgs, previous);
      if (hasResultReferences(rawArgs)) this.checkResolvedSize(name, args);
      reply = await this.route(name, args, callId, createdIds, context);
    } catch (error: unknown) {
      const methodError = this.toMethodError(error, name, context.requestId);
      reply = { methodResponses: [['error', methodError.toResponseArgs(), callId]], createdIds };
    }
    recordJmapCall(name, reply.methodResponses, secondsSince(startedAt));
    return reply;
  }

  private async route(
    name: string,
    args: Record<string, unknown>,
    callId: string,
    createdIds: Record<string, string>,
    context: CallContext,
  ): Promise<JmapCallReply> {
    const [type, method, ...rest] = name.split('/');
    const known = rest.length === 0 && type && method;
    const capability = type === 'Core' ? CORE_CAPABILITY : CHAT_CAPABILITY;
    if (!known || !context.using.has(capability)) {
      throw new JmapMethodError('unknownMethod', `unknown method ${name}`);
    }
    if ('accountId' in args && args['accountId'] !== context.user.userId) {
      throw new JmapMethodError('accountNotFound', 'the accountId is not an account of this user');
    }
    if (type === 'Core') {
      if (method !== 'echo') throw new JmapMethodError('unknownMethod', `unknown method ${name}`);
      const methodResponses: Invocation[] = [['Core/echo', args, callId]];
      // The echo's answer counts against the response budget like a service's does.
      const bytes = jsonBytesWithin(methodResponses, context.replyBudget);
      if (bytes === null) {
        throw new JmapMethodError(
          'requestTooLarge',
          `the answer is more than the ${context.replyBudget} bytes this request may still return`,
        );
      }
      return { methodResponses, createdIds, bytes };
    }
    const owner = Object.hasOwn(JMAP_TYPE_OWNERS, type) ? JMAP_TYPE_OWNERS[type] : undefined;
    if (!owner) throw new JmapMethodError('unknownMethod', `unknown method ${name}`);
    return this.bus.request(
      JmapCallSubjects[owner],
      {
        userId: context.user.userId,
        sessionId: context.user.sessionId,
        name,
        arguments: args,
        callId,
        createdIds,
        deadline: Date.now() + this.config.SERVICE_TIMEOUT_MS,
        maxReplyBytes: context.replyBudget,
      },
      { timeoutMs: this.config.SERVICE_TIMEOUT_MS, requestId: context.requestId },
    );
  }

  /**
   * Result references copy earlier answers into the arguments by reference, so arguments can
   * grow far past the request (each call referring twice to the one before doubles them): with
   * its references resolved, a call's arguments may be no larger than a request may be.
   */
  private checkResolvedSize(name: string, args: Record<string, unknown>): void {
    const limit = this.config.JMAP_MAX_SIZE_REQUEST;
    if (jsonBytesWithin(args, limit) === null) {
      throw new JmapMethodError(
        'requestTooLarge',
        `with its result references resolved, the arguments of ${name} are more than ` +
          `maxSizeRequest (${limit} bytes)`,
      );
    }
  }

  private toMethodError(error: unknown, name: string, requestId: string): JmapMethodError {
    if (error instanceof JmapMethodError) return error;
    if (error instanceof ServiceUnavailableError) {
      return new JmapMethodError(
        'serverUnavailable',
        `the service behind ${name} did not answer in time`,
      );
    }
    if (error instanceof PayloadTooLargeError) {
      return new JmapMethodError(
        'requestTooLarge',
        `the arguments of ${name} are ${error.bytes} bytes, more than the ${error.maxBytes} ` +
          'bytes one method call may carry: split it into several calls',
      );
    }
    // The service's transport refused (e.g. it could not receive the arguments whole).
    if (error instanceof DomainException) return domainMethodError(error);
    this.logger.error({
      requestId,
      method: name,
      error: error instanceof Error ? error.stack : String(error),
    });
    return new JmapMethodError('serverFail', `${name} failed`);
  }
}

function hasResultReferences(args: Record<string, unknown>): boolean {
  return Object.keys(args).some((key) => key.startsWith('#'));
}
