import './dto-rules';
import { IsString } from 'class-validator';
import type {
  ConversationMembersRequest,
  UserConversationsRequest,
} from '../conversations.contract';

// An id that is no UUID names nothing: the handlers answer an empty list, as for an unknown id.

export class ConversationMembersDto implements ConversationMembersRequest {
  @IsString()
  conversationId!: string;
}

export class UserConversationsDto implements UserConversationsRequest {
  @IsString()
  userId!: string;
}
