/**
 * A NATS subject bound to its request and reply types. Caller and handler both
 * take the subject from the same `Contract`, so the compiler ties them together.
 */
export interface Contract<Req, Res> {
  readonly subject: string;
  /**
   * The request's DTO (class-validator): handlers take their payload through
   * `ContractPayload(contract)`, which validates it against this and answers
   * `invalid_argument` naming the subject and the properties for a bad one.
   */
  readonly request?: RequestDto<Req>;
  /** Never set at run time: carries the types only. */
  readonly types?: { request: Req; reply: Res };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyContract = Contract<any, any>;
export type RequestOf<C> = C extends Contract<infer Req, unknown> ? Req : never;
export type ReplyOf<C> = C extends Contract<unknown, infer Res> ? Res : never;

/** A class whose instances are requests of the contract, with class-validator decorators. */
export type RequestDto<Req> = new () => Req;

export function contract<Req, Res>(subject: string, request?: RequestDto<Req>): Contract<Req, Res> {
  return request ? { subject, request } : { subject };
}

/**
 * Every subject, stream and key is namespaced by JCHAT_PREFIX so that test runs
 * (and several deployments on one NATS) never see each other. Read at call time:
 * handlers' decorators evaluate it when their module loads, after the env is set.
 */
export function busPrefix(): string {
  return process.env.JCHAT_PREFIX?.trim() || 'jchat';
}

export function subjectOf(c: AnyContract): string {
  return `${busPrefix()}.${c.subject}`;
}
