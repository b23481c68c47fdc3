import { Injectable } from '@nestjs/common';
import type { Message } from '@jchat/db';
import type { AccessScope } from '../access/conversation-access.service';
import { messageView } from './message-view';
import { MessagesRepository } from './messages.repository';
import { ReceiptsService } from './receipts.service';

/** Messages as Message/get shows them to a viewer (a fetch is a delivery). */
@Injectable()
export class MessageViewsService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly receipts: ReceiptsService,
  ) {}

  /**
   * Message objects as the caller sees them; moves the caller's delivered positions (a fetch is a
   * delivery). readBy and deliveryStatus come from SQL aggregates, never from every participant
   * row; a sender asking for deliveryStatus gets the positions still pending in Redis flushed first.
   */
  async views(
    scope: AccessScope,
    messages: Message[],
    properties: readonly string[],
  ): Promise<Record<string, unknown>[]> {
    const wanted = new Set(properties);
    const receipts = await this.receipts.summaries(scope.userId, messages, wanted);
    const versions = wanted.has('history')
      ? await this.messages.versionsOf(messages.map((m) => m.id))
      : [];
    const views = messages.map((message) =>
      messageView(message, { viewerId: scope.userId, receipts, versions }, properties),
    );
    await this.receipts.advanceDelivered(scope.userId, messages);
    return views;
  }
}
