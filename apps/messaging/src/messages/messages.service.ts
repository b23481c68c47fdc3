import type { SyncHorizon } from '@jchat/jmap';
import { Injectable } from '@nestjs/common';
import { isUuid } from '@jchat/common';
import type { Message } from '@jchat/db';
import { notFound } from '@jchat/jmap';
import { canRead } from '../access/access-rules';
import type { AccessScope } from '../access/conversation-access.service';
import { MessagesRepository } from './messages.repository';

/** Which messages a caller may read. */
@Injectable()
export class MessagesService {
  constructor(private readonly messages: MessagesRepository) {}

  syncHorizon(): Promise<SyncHorizon> {
    return this.messages.syncHorizon();
  }

  /** A horizon read at most `maxAgeMs` ago, if there is one (see PrismaService). */
  recentSyncHorizon(maxAgeMs: number): SyncHorizon | undefined {
    return this.messages.recentSyncHorizon(maxAgeMs);
  }

  /** The messages of `ids` the caller may read (others are simply absent). */
  async readableMessages(scope: AccessScope, ids: string[]): Promise<Message[]> {
    const candidates = await this.messages.findForUser(scope.userId, ids.filter(isUuid));
    const access = await scope.many(candidates.map((m) => m.conversationId));
    return candidates.filter((m) => {
      const answer = access.get(m.conversationId);
      return answer !== undefined && canRead(answer);
    });
  }

  async readableMessage(scope: AccessScope, id: string): Promise<Message> {
    const [message] = await this.readableMessages(scope, [id]);
    if (!message) throw notFound();
    return message;
  }
}
