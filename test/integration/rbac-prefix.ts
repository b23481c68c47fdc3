// Imported first by the rbac/conversations integration tests: their own NATS/Redis prefix
// (subjects are read when the handler modules load), so the in-process services never answer
// another test file's requests.
import { randomBytes } from 'node:crypto';

process.env.JCHAT_PREFIX = `t${randomBytes(5).toString('hex')}`;
