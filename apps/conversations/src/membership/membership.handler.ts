import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { ContractPayload } from '@jchat/bus';
import { isUuid } from '@jchat/common';
import {
  type ConversationMembersReply,
  type ConversationMembersRequest,
  ConversationsSubjects,
  subjectOf,
  type UserConversationsReply,
  type UserConversationsRequest,
} from '@jchat/contracts';
import { ParticipantsRepository } from '../participants/participants.repository';

/** Membership questions from other services (push fan-out, messaging). */
@Controller()
export class MembershipHandler {
  constructor(private readonly participants: ParticipantsRepository) {}

  @MessagePattern(subjectOf(ConversationsSubjects.members))
  async members(
    @ContractPayload(ConversationsSubjects.members) request: ConversationMembersRequest,
  ): Promise<ConversationMembersReply> {
    if (!isUuid(request.conversationId)) return { userIds: [] };
    return { userIds: await this.participants.activeUserIds(request.conversationId) };
  }

  @MessagePattern(subjectOf(ConversationsSubjects.ofUser))
  async ofUser(
    @ContractPayload(ConversationsSubjects.ofUser) request: UserConversationsRequest,
  ): Promise<UserConversationsReply> {
    if (!isUuid(request.userId)) return { conversationIds: [] };
    return { conversationIds: await this.participants.activeConversationIds(request.userId) };
  }
}
