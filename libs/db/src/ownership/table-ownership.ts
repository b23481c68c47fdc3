// Who owns, writes and reads each table: the one statement of it, which docs/ENGINEERING.md
// ("Tables: who writes, who reads") repeats and table-ownership.spec.ts enforces against the
// code (every write and read in apps/*/src, the SQL functions and triggers of the migrations).

/** The services that use PostgreSQL (the gateway has no database). */
export const DATABASE_SERVICES = [
  'auth',
  'conversations',
  'messaging',
  'presence',
  'rbac',
] as const;
export type DatabaseService = (typeof DATABASE_SERVICES)[number];

/** Columns of a table that a service other than its owner writes, and why. */
export interface DelegatedColumns {
  columns: readonly string[];
  why: string;
}

export interface TableOwnership {
  /** The service that creates, changes and deletes its rows; `each`: each its own rows. */
  owner: DatabaseService | 'each' | 'nobody';
  /** Column-level exceptions: another service writes exactly these columns, nothing else. */
  delegated?: Partial<Record<DatabaseService, DelegatedColumns>>;
  /** Other services that read it (in joins that must run in one statement). */
  readers: readonly DatabaseService[];
}

/**
 * Counters and positions that move with every message live on the rows conversations owns, so a
 * send costs one round trip and one lock order (docs/ENGINEERING.md "Locks"; DESIGN-NOTES §1:
 * "per-user views of shared objects ... live on the participant row"). Messaging owns those
 * columns and writes nothing else of those tables; conversations reads them and writes the read
 * position only through Participant/set `lastReadMessageId`.
 */
const MESSAGE_COUNTERS: DelegatedColumns = {
  columns: ['message_count', 'last_message_id', 'last_message_at', 'last_message_seq'],
  why: 'a send moves the counters in its own transaction (jchat_send_messages); a delete moves them back',
};
const POSITIONS: DelegatedColumns = {
  columns: ['last_read_message_id', 'last_read_at', 'last_active_at', 'last_delivered_seq'],
  why: "a send moves the sender's read position, markRead the caller's, the delivered flush delivered positions",
};

export const TABLE_OWNERSHIP: Readonly<Record<string, TableOwnership>> = {
  users: { owner: 'auth', readers: ['conversations', 'presence', 'rbac'] },
  sessions: { owner: 'auth', readers: [] },
  conversations: {
    owner: 'conversations',
    delegated: { messaging: MESSAGE_COUNTERS },
    readers: ['messaging', 'presence', 'rbac'],
  },
  participants: {
    owner: 'conversations',
    delegated: { messaging: POSITIONS },
    readers: ['messaging', 'presence', 'rbac'],
  },
  messages: { owner: 'messaging', readers: ['conversations'] },
  message_versions: { owner: 'messaging', readers: [] },
  blobs: { owner: 'messaging', readers: [] },
  blob_upload_parts: { owner: 'messaging', readers: [] },
  message_receipt_changes: { owner: 'messaging', readers: [] },
  message_receipt_horizon: { owner: 'messaging', readers: [] },
  presence: { owner: 'presence', readers: [] },
  roles: { owner: 'rbac', readers: [] },
  user_roles: { owner: 'rbac', readers: [] },
  conversation_roles: { owner: 'rbac', readers: [] },
  rbac_tombstones: { owner: 'rbac', readers: [] },
  event_outbox: { owner: 'each', readers: [] },
  state_counters: { owner: 'nobody', readers: [] },
};

/**
 * Triggers that write a table other than the one they are on: the trigger function, and the
 * service whose migration defines it (the owner of the table it writes).
 */
export const CROSS_TABLE_TRIGGERS: Readonly<Record<string, { on: string; writes: string }>> = {
  // A read position that moves (whoever moves it) logs one receipt change for Message/changes.
  jchat_participant_receipt_changes: { on: 'participants', writes: 'message_receipt_changes' },
  // Deleted grants and roles leave tombstones for /changes (rbac's own tables).
  jchat_rbac_tombstone: { on: 'roles, user_roles, conversation_roles', writes: 'rbac_tombstones' },
};

/** The tables a service writes: its own, and those it has columns of. */
export function tablesWrittenBy(service: DatabaseService): string[] {
  return Object.entries(TABLE_OWNERSHIP)
    .filter(([, table]) => table.owner === service || table.delegated?.[service] !== undefined)
    .map(([name]) => name);
}

/** The tables a service reads: those it writes, and those it is a declared reader of. */
export function tablesReadBy(service: DatabaseService): string[] {
  return Object.entries(TABLE_OWNERSHIP)
    .filter(
      ([name, table]) => table.readers.includes(service) || tablesWrittenBy(service).includes(name),
    )
    .map(([name]) => name);
}
