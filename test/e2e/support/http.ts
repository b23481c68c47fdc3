import { randomBytes } from 'node:crypto';

export const CORE = 'urn:ietf:params:jmap:core';
export const CHAT = 'urn:ietf:params:jmap:chat';

export function gatewayUrl(): string {
  const url = process.env.JCHAT_TEST_GATEWAY_URL;
  if (!url) throw new Error('JCHAT_TEST_GATEWAY_URL is not set: run e2e tests through npm test');
  return url;
}

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** One HTTP exchange with the gateway; the body is parsed when it is JSON. */
export async function http<T = any>(
  method: string,
  path: string,
  options: {
    token?: string;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
    base?: string;
  } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${options.base ?? gatewayUrl()}${path}`, {
    method,
    headers,
    body,
    redirect: 'manual',
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

/** The `name=value` pairs a response set, ready for a Cookie header. */
export function cookiesOf(result: HttpResult): string {
  return result.headers
    .getSetCookie()
    .map((header) => header.split(';')[0])
    .join('; ');
}

/** A fake client address per test user, so per-IP rate limits of one test never hit another. */
export function fakeIp(): string {
  const b = randomBytes(3);
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  displayName: string;
  accessToken: string;
  refreshToken: string;
  sessionId: string;
  ip: string;
}

let counter = 0;

/** Registers and logs in a fresh user through the gateway, as a client would. */
export async function newUser(
  overrides: { displayName?: string; base?: string } = {},
): Promise<TestUser> {
  counter += 1;
  const tag = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}${counter}`;
  const email = `user-${tag}@example.test`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const displayName = overrides.displayName ?? `User ${tag}`;
  const ip = fakeIp();
  const headers = { 'x-forwarded-for': ip };
  const registered = await http('POST', '/auth/register', {
    body: { email, password, displayName },
    headers,
    base: overrides.base,
  });
  if (registered.status !== 201)
    throw new Error(`register failed: ${registered.status} ${registered.text}`);
  const login = await http('POST', '/auth/login', {
    body: { email, password },
    headers,
    base: overrides.base,
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return {
    id: registered.body.id,
    email,
    password,
    displayName,
    accessToken: login.body.accessToken,
    refreshToken: login.body.refreshToken,
    sessionId: login.body.sessionId,
    ip,
  };
}

export type Invocation = [string, Record<string, any>, string];

/** POST /jmap/api with the given method calls; returns the raw HTTP result. */
export function jmap(
  token: string,
  methodCalls: Invocation[],
  options: { using?: string[]; createdIds?: Record<string, string>; base?: string } = {},
): Promise<
  HttpResult<{
    methodResponses: Invocation[];
    sessionState: string;
    createdIds?: Record<string, string>;
  }>
> {
  return http('POST', '/jmap/api', {
    token,
    base: options.base,
    body: {
      using: options.using ?? [CORE, CHAT],
      methodCalls,
      ...(options.createdIds ? { createdIds: options.createdIds } : {}),
    },
  });
}

/** Runs calls and returns the method responses, failing loudly on a non-200. */
export async function call(
  token: string,
  methodCalls: Invocation[],
  options: { using?: string[]; base?: string } = {},
): Promise<Invocation[]> {
  const result = await jmap(token, methodCalls, options);
  if (result.status !== 200)
    throw new Error(`JMAP request failed: ${result.status} ${result.text}`);
  return result.body.methodResponses;
}
