import { Injectable } from '@nestjs/common';
import type { JmapDataType } from '@jchat/contracts';
import type { Prisma } from '@jchat/db';
import { forbidden, isPlainObject, notFound } from '@jchat/jmap';
import { canDeleteAny, canParticipate } from '../access/access-rules';
import type { AccessScope } from '../access/conversation-access.service';
import { StateEvents } from '../events/state-events';
import { sanitizeMessageHtml } from './html-sanitizer';
import { applyReactionChanges, parseMessagePatch, reactionsOf } from './message-input';
import { MessageEditsRepository, NothingToWrite } from './message-edits.repository';
import { MessagesService } from './messages.service';

/** Editing, reactions and (soft) deletes of messages, each under the lock order of its conversation. */
@Injectable()
export class MessageEditService {
  constructor(
    private readonly edits: MessageEditsRepository,
    private readonly reader: MessagesService,
    private readonly events: StateEvents,
  ) {}

  /** Applies a Message/set update; returns the properties the server changed beyond the patch. */
  async update(
    scope: AccessScope,
    id: string,
    patch: Record<string, unknown>,
  ): Promise<Record<string, unknown> | null> {
    const message = await this.reader.readableMessage(scope, id);
    const parsed = parseMessagePatch(patch, scope.userId);
    if (!parsed.edit && parsed.reactions.length === 0) return null;
    const access = await scope.of(message.conversationId);
    if (!canParticipate(access))
      throw forbidden('only members of a conversation that is not archived can do this');
    if (parsed.edit && (message.senderId !== scope.userId || message.isSystemMessage)) {
      throw forbidden('only the sender can edit a message');
    }
    const edit = parsed.edit;
    let storedBody: string | null = null;
    const types: JmapDataType[] = ['Message', 'Conversation'];
    const [updated, outboxId] = await this.events.write(message.conversationId, types, id, () =>
      this.edits.update(
        message.conversationId,
        id,
        async (current, tx) => {
          if (current.isDeleted) throw forbidden('the message was deleted');
          const data: Prisma.MessageUpdateInput = {};
          if (edit) {
            const bodyType = edit.bodyType ?? current.bodyType;
            const body = edit.body ?? current.body;
            const stored = bodyType === 'text/html' ? sanitizeMessageHtml(body) : body;
            if (stored !== current.body || bodyType !== current.bodyType) {
              await this.edits.archiveVersion(tx, current);
              Object.assign(data, { body: stored, bodyType, editedAt: new Date() });
              storedBody = stored;
            }
          }
          if (parsed.reactions.length > 0) {
            const before = reactionsOf(current.reactions);
            const after = applyReactionChanges(before, parsed.reactions);
            if (JSON.stringify(after) !== JSON.stringify(before)) data.reactions = after;
          }
          if (Object.keys(data).length === 0) throw new NothingToWrite();
          return data;
        },
        { touchConversation: edit !== null },
      ),
    );
    if (!updated || updated.modseq === message.modseq) {
      this.events.settle(outboxId);
      if (!updated) throw notFound();
      return null;
    }
    await this.events.changed(message.conversationId, types, id, outboxId);
    if (storedBody === null) return null;
    const serverSet: Record<string, unknown> = {
      editedAt: updated.editedAt?.toISOString() ?? null,
    };
    if (edit?.body !== undefined && storedBody !== edit.body) serverSet['body'] = storedBody;
    return serverSet;
  }

  /** Soft delete: body, attachments and reactions cleared for everyone; the message keeps its place. */
  async destroy(scope: AccessScope, id: string): Promise<void> {
    const message = await this.reader.readableMessage(scope, id);
    const access = await scope.of(message.conversationId);
    const own =
      message.senderId === scope.userId && !message.isSystemMessage && canParticipate(access);
    if (!own && !canDeleteAny(access))
      throw forbidden('only the sender or a holder of messages.deleteAny can delete it');
    if (message.isDeleted) return;
    const types: JmapDataType[] = ['Message', 'Conversation'];
    const [updated, outboxId] = await this.events.write(message.conversationId, types, id, () =>
      this.edits.update(
        message.conversationId,
        id,
        async (current, tx) => {
          if (current.isDeleted) throw new NothingToWrite();
          await this.edits.forgetForDelete(tx, current);
          const metadata = isPlainObject(current.metadata) ? current.metadata : {};
          const kept =
            typeof metadata['clientMessageId'] === 'string'
              ? { clientMessageId: metadata['clientMessageId'] }
              : {};
          return { isDeleted: true, body: '', attachments: [], reactions: {}, metadata: kept };
        },
        { touchConversation: false },
      ),
    );
    if (!updated || updated.modseq === message.modseq) {
      this.events.settle(outboxId);
      if (!updated) throw notFound();
      return;
    }
    await this.events.changed(message.conversationId, types, id, outboxId);
  }
}
