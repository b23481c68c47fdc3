// A real OpenID Connect provider on loopback (test/support/oidc-provider.mjs) for the browser test of
// provider logins: its end-user interaction is scripted to log in the given account.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';

export const OIDC_CLIENT_ID = 'jchat-e2e';
export const OIDC_CLIENT_SECRET = 'jchat-e2e-secret-jchat-e2e-secret';

export async function startOidcProvider(redirectUri: string, account: Record<string, unknown>) {
  const child = spawn(process.execPath, [path.join(__dirname, 'oidc-provider.mjs')], {
    env: {
      ...process.env,
      OIDC_TEST_CLIENT_ID: OIDC_CLIENT_ID,
      OIDC_TEST_CLIENT_SECRET: OIDC_CLIENT_SECRET,
      OIDC_TEST_REDIRECT_URIS: redirectUri,
      OIDC_TEST_ACCOUNT: JSON.stringify(account),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`OIDC provider exited with ${code}`)));
  });
  return { child, issuer: (JSON.parse(line) as { issuer: string }).issuer };
}
