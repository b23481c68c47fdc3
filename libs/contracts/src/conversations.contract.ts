import { contract } from './contract';
import { ConversationMembersDto, UserConversationsDto } from './dto/conversations.dto';

export interface ConversationMembersRequest {
  conversationId: string;
}
export interface ConversationMembersReply {
  /** User ids of the active participants. */
  userIds: string[];
}

export interface UserConversationsRequest {
  userId: string;
}
export interface UserConversationsReply {
  /** Conversations the user is an active participant of. */
  conversationIds: string[];
}

export const ConversationsSubjects = {
  members: contract<ConversationMembersRequest, ConversationMembersReply>(
    'conversations.members.list.v1',
    ConversationMembersDto,
  ),
  ofUser: contract<UserConversationsRequest, UserConversationsReply>(
    'conversations.user.list.v1',
    UserConversationsDto,
  ),
} as const;
