// A real OpenID Connect provider (the `oidc-provider` package) on loopback for the
// auth tests. The end-user interaction is scripted: every authorization request
// logs in the account named by OIDC_TEST_ACCOUNT and grants the requested scopes,
// so the test drives the real code flow (PKCE, state, nonce, code exchange).
// Prints one JSON line {issuer} when it listens; stops on SIGTERM.
import http from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_TEST_PORT ?? 0);
const clientId = process.env.OIDC_TEST_CLIENT_ID ?? 'jchat-test';
const clientSecret = process.env.OIDC_TEST_CLIENT_SECRET ?? 'jchat-test-secret-jchat-test-secret';
const redirectUris = (process.env.OIDC_TEST_REDIRECT_URIS ?? '').split(',').filter(Boolean);
const account = JSON.parse(
  process.env.OIDC_TEST_ACCOUNT ??
    '{"sub":"oidc-user-1","email":"oidc.user@example.test","email_verified":true,"name":"Oidc User"}',
);

const server = http.createServer();
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  pkce: { required: () => true },
  findAccount: (_ctx, sub) =>
    sub === account.sub ? { accountId: sub, claims: () => ({ ...account }) } : undefined,
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  features: { devInteractions: { enabled: false } },
});

server.on('request', async (req, res) => {
  if (req.url?.startsWith('/interaction/')) {
    try {
      const details = await provider.interactionDetails(req, res);
      const grant = new provider.Grant({
        accountId: account.sub,
        clientId: details.params.client_id,
      });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: account.sub }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    } catch (error) {
      res.statusCode = 500;
      res.end(String(error));
    }
    return;
  }
  provider.callback()(req, res);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
