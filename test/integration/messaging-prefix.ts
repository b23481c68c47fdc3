// Imported first by the messaging integration tests: their own NATS/Redis prefix (subjects are
// read when the handler modules load), so the in-process service and its stand-in rbac never
// answer another test file's requests.
import { randomBytes } from 'node:crypto';

process.env.JCHAT_PREFIX = `t${randomBytes(5).toString('hex')}`;
