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

export async function githubIdentity(
  provider: GithubProvider,
  params: { code: string; callbackUrl: string; codeVerifier: string },
): Promise<ExternalIdentity> {
  const tokenResponse = await fetch(`${provider.webBaseUrl}/login/oauth/access_token`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: provider.clientId,
      client_secret: provider.clientSecret,
      code: params.code,
      redirect_uri: params.callbackUrl,
      code_verifier: params.codeVerifier,
    }),
  });
  const token = (await tokenResponse.json()) as { access_token?: string; error?: string };
  if (!tokenResponse.ok || !token.access_token) {
    throw new DomainException(
      'unauthenticated',
      `GitHub refused the code: ${token.error ?? tokenResponse.status}`,
    );
  }
  const api = (path: string) =>
    fetch(`${provider.apiBaseUrl}${path}`, {
      headers: {
        authorization: `Bearer ${token.access_token}`,
        accept: 'application/vnd.github+json',
        'user-agent': 'jchat',
      },
    });
  const userResponse = await api('/user');
  if (!userResponse.ok)
    throw new DomainException('unauthenticated', 'GitHub did not return the user');
  const user = (await userResponse.json()) as { id: number; login: string; name: string | null };
  const emailsResponse = await api('/user/emails');
  const emails = emailsResponse.ok
    ? ((await emailsResponse.json()) as { email: string; primary: boolean; verified: boolean }[])
    : [];
  const primary = emails.find((e) => e.primary && e.verified) ?? emails.find((e) => e.verified);
  return {
    provider: 'github',
    subject: String(user.id),
    email: primary?.email ?? null,
    emailVerified: !!primary,
    displayName: user.name ?? user.login,
  };
}
