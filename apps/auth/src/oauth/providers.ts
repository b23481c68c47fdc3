import type { AuthConfig } from '../config';

export interface OidcProvider {
  kind: 'oidc';
  name: string;
  displayName: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export interface GithubProvider {
  kind: 'github';
  name: 'github';
  displayName: 'GitHub';
  clientId: string;
  clientSecret: string;
  webBaseUrl: string;
  apiBaseUrl: string;
}

export type ExternalProvider = OidcProvider | GithubProvider;

/** The providers whose settings are all present; the others simply do not exist. */
export function configuredProviders(config: AuthConfig): ExternalProvider[] {
  const providers: ExternalProvider[] = [];
  if (config.GOOGLE_CLIENT_ID && config.GOOGLE_CLIENT_SECRET) {
    providers.push({
      kind: 'oidc',
      name: 'google',
      displayName: 'Google',
      issuer: 'https://accounts.google.com',
      clientId: config.GOOGLE_CLIENT_ID,
      clientSecret: config.GOOGLE_CLIENT_SECRET,
    });
  }
  if (config.OIDC_ISSUER && config.OIDC_CLIENT_ID && config.OIDC_CLIENT_SECRET) {
    providers.push({
      kind: 'oidc',
      name: config.OIDC_NAME ?? 'oidc',
      displayName: config.OIDC_DISPLAY_NAME ?? 'OpenID Connect',
      issuer: config.OIDC_ISSUER,
      clientId: config.OIDC_CLIENT_ID,
      clientSecret: config.OIDC_CLIENT_SECRET,
    });
  }
  if (config.GITHUB_CLIENT_ID && config.GITHUB_CLIENT_SECRET) {
    providers.push({
      kind: 'github',
      name: 'github',
      displayName: 'GitHub',
      clientId: config.GITHUB_CLIENT_ID,
      clientSecret: config.GITHUB_CLIENT_SECRET,
      webBaseUrl: (config.GITHUB_BASE_URL ?? 'https://github.com').replace(/\/+$/, ''),
      apiBaseUrl: (config.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    });
  }
  return providers;
}
