import { Injectable } from '@nestjs/common';
import { type Message, Prisma, PrismaService } from '@jchat/db';
import type { SyncHorizon } from '@jchat/jmap';
import { messageOf, type StoredMessageJson } from './stored-message';

/** The stored columns a send writes. */
export interface NewMessageRow {
  id: string;
  senderId: string;
  body: string;
  bodyType: string;
  proposedSentAt: Date | null;
  replyToMessageId: string | null;
  attachments: Prisma.InputJsonValue;
  metadata: Prisma.InputJsonValue;
  /** Unique per conversation: "<senderId>:<clientMessageId>" or "system:<idempotencyKey>". */
  clientKey: string | null;
  isSystemMessage: boolean;
}

/** Why a message was not stored ('access-moved': the role or type the caller's answer assumed changed). */
export type NotStored = 'no-conversation' | 'not-a-member' | 'archived' | 'access-moved';

/** What the (possibly cached) access answer a user's send was allowed by assumed. */
export interface SendAssumption {
  role: string | null;
  conversationType: string | null;
}

/** One message to store, with what the sender's (possibly cached) permission assumed. */
export interface PendingSend {
  conversationId: string;
  row: NewMessageRow;
  /** null for system messages, which need no membership. */
  assumed: SendAssumption | null;
}

export type SendResult =
  | { kind: 'stored'; message: Message }
  /** An earlier message with the same clientKey (stored before, or earlier in the same batch). */
  | { kind: 'duplicate'; message: Message }
  | { kind: 'refused'; reason: NotStored };

/** Outbox rows to stage in the batch's own statement: one event payload per conversation. */
export interface BatchStaging {
  service: string;
  events: ReadonlyMap<string, unknown>;
}

export interface BatchOutcome {
  /** One per send, in the sends' order. */
  results: SendResult[];
  /** The staged outbox row of each conversation of `BatchStaging.events`. */
  outboxIds: Map<string, string>;
  /** The sync horizon read just after the batch committed: a state that covers its messages. */
  horizonAfter: SyncHorizon;
}

interface SendRow {
  idx: number;
  outcome: 'stored' | 'duplicate' | NotStored;
  message: StoredMessageJson | null;
}

/** The INOUT parameters of jchat_send_messages_committed. */
interface CommittedBatchRow {
  results: SendRow[];
  outbox_ids: string[];
  horizon: string;
  fingerprint: string;
}

/**
 * Stores sends in batches, in one round trip whatever the batch holds: the SQL procedure
 * `jchat_send_messages_committed` (migration 20261202100000_send_commit_horizon) runs
 * `jchat_send_messages` (20261201000000_send_batch; 20261202300000_lookups_by_unique_keys), which
 * locks the conversations, checks each send as a single send is checked, gives each message the
 * next seq and a sentAt in the server's order, and moves the counters and the senders' read
 * positions without reading the messages back; it stages the batch's outbox
 * rows, commits, and reads the sync horizon after the commit. Under load every round trip waits
 * for a core, and at a low rate for both ends to wake up, so their number, more than the work in
 * them, bounds the rate and the latency.
 */
@Injectable()
export class MessageSendRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Stores and commits the batch; the outbox rows of `staging` commit (or roll back) with the
   * messages, with no commit of their own.
   */
  async insertBatch(sends: readonly PendingSend[], staging?: BatchStaging): Promise<BatchOutcome> {
    const batch = sends.map(({ conversationId, row, assumed }) => ({
      conversationId,
      senderId: row.senderId,
      id: row.id,
      body: row.body,
      bodyType: row.bodyType,
      proposedSentAt: row.proposedSentAt?.toISOString() ?? null,
      replyToMessageId: row.replyToMessageId,
      attachments: row.attachments,
      metadata: row.metadata,
      clientKey: row.clientKey,
      isSystemMessage: row.isSystemMessage,
      ...(assumed === null
        ? {}
        : { assumedRole: assumed.role, assumedConversationType: assumed.conversationType }),
    }));
    const staged = [...(staging?.events ?? [])];
    const [committed] = await this.prisma.hotQuery<CommittedBatchRow>(Prisma.sql`
      CALL jchat_send_messages_committed(${JSON.stringify(batch)}::jsonb, ${staging?.service ?? ''},
        ${JSON.stringify(staged.map(([, payload]) => payload))}::jsonb, NULL, NULL, NULL, NULL)`);
    if (!committed) throw new Error('jchat_send_messages_committed returned nothing');
    const outboxIds = stagedIds(
      staged.map(([conversationId]) => conversationId),
      committed.outbox_ids,
    );
    const results: (SendResult | undefined)[] = new Array<SendResult | undefined>(sends.length);
    for (const row of committed.results) {
      if (row.outcome === 'stored' || row.outcome === 'duplicate') {
        if (row.message === null)
          throw new Error(`jchat_send_messages: ${row.outcome} without a row`);
        results[row.idx] = { kind: row.outcome, message: messageOf(row.message) };
      } else {
        results[row.idx] = { kind: 'refused', reason: row.outcome };
      }
    }
    return {
      results: results.map((result, index) => {
        if (!result) throw new Error(`jchat_send_messages gave no answer for send ${index}`);
        return result;
      }),
      outboxIds,
      horizonAfter: this.prisma.horizonRead(committed),
    };
  }
}

/** Outbox ids (in staging order) matched to the conversations they were staged for. */
function stagedIds(
  conversationIds: readonly string[],
  ids: readonly string[],
): Map<string, string> {
  if (ids.length !== conversationIds.length) {
    throw new Error(`staged ${ids.length} outbox rows for ${conversationIds.length} events`);
  }
  return new Map(conversationIds.map((id, index) => [id, ids[index] as string]));
}
