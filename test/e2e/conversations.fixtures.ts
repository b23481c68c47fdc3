// Helpers shared by the conversations and RBAC end-to-end tests (driving the gateway only,
// except grantSystemAdmin, which is set-up straight in the database).
import { Client } from 'pg';
import { call, type Invocation, type TestUser } from './support/http';

/** The arguments of the single response of a call, failing with the whole answer otherwise. */
export async function one(
  user: TestUser,
  name: string,
  args: Record<string, unknown>,
): Promise<Record<string, any>> {
  const [response] = await call(user.accessToken, [[name, { accountId: user.id, ...args }, 'x']]);
  return response![1];
}

/** Like `one`, but expects a method name (not "error") back. */
export async function ok(
  user: TestUser,
  name: string,
  args: Record<string, unknown>,
): Promise<Record<string, any>> {
  const [response] = await call(user.accessToken, [[name, { accountId: user.id, ...args }, 'x']]);
  if (response![0] !== name) throw new Error(`${name} answered ${JSON.stringify(response)}`);
  return response![1];
}

export async function calls(
  user: TestUser,
  invocations: [string, Record<string, unknown>][],
): Promise<Invocation[]> {
  return call(
    user.accessToken,
    invocations.map(([name, args], index) => [name, { accountId: user.id, ...args }, `c${index}`]),
  );
}

export interface ConversationProps {
  conversationType?: string;
  privacyLevel?: string;
  title?: string | null;
  participantIds?: string[];
  [property: string]: unknown;
}

/** Creates a conversation as `owner`; returns the created object (with id). */
export async function createConversation(
  owner: TestUser,
  props: ConversationProps = {},
): Promise<Record<string, any>> {
  const result = await ok(owner, 'Conversation/set', {
    create: { c: { conversationType: 'group', privacyLevel: 'private', title: 'Test', ...props } },
  });
  const created = result['created']?.c;
  if (!created) throw new Error(`Conversation/set create failed: ${JSON.stringify(result)}`);
  return created;
}

export async function getConversation(
  user: TestUser,
  id: string,
): Promise<Record<string, any> | undefined> {
  const result = await ok(user, 'Conversation/get', { ids: [id] });
  return result['list'][0];
}

/** The participant of `userId` in the conversation, as `viewer` sees it. */
export async function participantOf(
  viewer: TestUser,
  conversationId: string,
  userId: string,
): Promise<Record<string, any>> {
  const query = await ok(viewer, 'Participant/query', { filter: { conversationId, userId } });
  const got = await ok(viewer, 'Participant/get', { ids: query['ids'] });
  const participant = got['list'][0];
  if (!participant)
    throw new Error(`no participant of ${userId} in ${conversationId} for ${viewer.id}`);
  return participant;
}

/** Adds `user` to the conversation as `actor` (an invitation, or a join when they are the same). */
export async function addParticipant(
  actor: TestUser,
  conversationId: string,
  user: TestUser,
  extra: Record<string, unknown> = {},
): Promise<Record<string, any>> {
  return ok(actor, 'Participant/set', {
    create: { p: { conversationId, userId: user.id, ...extra } },
  });
}

/** Test set-up only: makes a user a system admin straight in the database. */
export async function grantSystemAdmin(user: TestUser): Promise<void> {
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO user_roles (user_id, role_id) SELECT $1, id FROM roles WHERE name = 'system-admin'`,
      [user.id],
    );
  } finally {
    await db.end();
  }
}

export { eventually } from '../support/eventually';
