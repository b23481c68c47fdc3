import { DomainException } from '@jchat/contracts';
import type { ExternalIdentity } from './external-identity';
import type { GithubProvider } from './providers';

/** GitHub's OAuth2 web flow (with PKCE) and its user API. */
export function githubAuthorizationUrl(
  provider: GithubProvider,
  params: { callbackUrl: string; state: string; codeChallenge: string },
): string {
  const url = new URL(`${provider.webBaseUrl}/login/oauth/authorize`);
  url.search = new URLSearchParams({
    client_id: provider.clientId,
    redirect_uri: params.callbackUrl,
    scope: 'read:user user:email',
    state: params.state,
    code_challenge: params.codeChallenge,
    code_challenge_method: 'S256',
    allow_signup: 'true',
  }).toString();
  return url.toString();
}

const PROVIDER_TIMEOUT_MS = 10_000;

/** One call to GitHub; network failures and non-JSON answers become clear domain errors. */
async function githubJson<T>(
  url: string,
  init: RequestInit,
): Promise<{ ok: boolean; status: number; body: T | null }> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
  } catch {
    throw new DomainException('unavailable', 'GitHub could not be reached');
  }
  const body = (await response.json().catch(() => null)) as T | null;
  return { ok: response.ok, status: response.status, body };
}

export async function githubIdentity(
  provider: GithubProvider,
  params: { code: string; callbackUrl: string; codeVerifier: string },
): Promise<ExternalIdentity> {
  const token = await githubJson<{ access_token?: string; error?: string }>(
    `${provider.webBaseUrl}/login/oauth/access_token`,
    {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: provider.clientId,
        client_secret: provider.clientSecret,
        code: params.code,
        redirect_uri: params.callbackUrl,
        code_verifier: params.codeVerifier,
      }),
    },
  );
  const accessToken = token.body?.access_token;
  if (!token.ok || !accessToken) {
    throw new DomainException(
      'unauthenticated',
      `GitHub refused the code: ${token.body?.error ?? token.status}`,
    );
  }
  const api = <T>(path: string) =>
    githubJson<T>(`${provider.apiBaseUrl}${path}`, {
      headers: {
        authorization: `Bearer ${accessToken}`,
        accept: 'application/vnd.github+json',
        'user-agent': 'jchat',
      },
    });
  const user = await api<{ id: number; login: string; name: string | null }>('/user');
  if (!user.ok || !user.body || typeof user.body.id !== 'number') {
    throw new DomainException('unauthenticated', 'GitHub did not return the user');
  }
  const emails =
    await api<{ email: string; primary: boolean; verified: boolean }[]>('/user/emails');
  const list = emails.ok && Array.isArray(emails.body) ? emails.body : [];
  const primary = list.find((e) => e.primary && e.verified) ?? list.find((e) => e.verified);
  return {
    provider: 'github',
    subject: String(user.body.id),
    email: primary?.email ?? null,
    emailVerified: !!primary,
    displayName: user.body.name ?? user.body.login,
  };
}
