import { IsArray, IsOptional, IsString, Matches } from 'class-validator';
import type { AccessChangedEvent } from '../events.contract';
import type { ConversationAccessRequest, SystemPermissionsRequest } from '../rbac.contract';
import { ID_MESSAGE, UUID } from './dto-rules';

export class SystemPermissionsDto implements SystemPermissionsRequest {
  @Matches(UUID, ID_MESSAGE)
  userId!: string;
}

/** Ids that are no UUIDs name nothing: the answer is that of a conversation that does not exist. */
export class ConversationAccessDto implements ConversationAccessRequest {
  @IsString()
  userId!: string;

  @IsString()
  conversationId!: string;
}

export class InvalidateAccessDto implements AccessChangedEvent {
  @IsOptional()
  @IsString()
  conversationId!: string | null;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  userIds!: string[];
}
