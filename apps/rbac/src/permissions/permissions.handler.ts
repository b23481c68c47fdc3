import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { ContractPayload } from '@jchat/bus';
import {
  type AccessChangedEvent,
  type ConversationAccess,
  type ConversationAccessRequest,
  type InvalidateAccessReply,
  RbacSubjects,
  subjectOf,
  type SystemPermissionsReply,
  type SystemPermissionsRequest,
} from '@jchat/contracts';
import { AccessService } from './access.service';

@Controller()
export class PermissionsHandler {
  constructor(private readonly access: AccessService) {}

  @MessagePattern(subjectOf(RbacSubjects.systemPermissions))
  async systemPermissions(
    @ContractPayload(RbacSubjects.systemPermissions) req: SystemPermissionsRequest,
  ): Promise<SystemPermissionsReply> {
    return { permissions: await this.access.systemPermissions(req.userId) };
  }

  @MessagePattern(subjectOf(RbacSubjects.conversationAccess))
  conversationAccess(
    @ContractPayload(RbacSubjects.conversationAccess) req: ConversationAccessRequest,
  ): Promise<ConversationAccess> {
    return this.access.conversationAccess(req.userId, req.conversationId);
  }

  @MessagePattern(subjectOf(RbacSubjects.invalidateAccess))
  async invalidateAccess(
    @ContractPayload(RbacSubjects.invalidateAccess) req: AccessChangedEvent,
  ): Promise<InvalidateAccessReply> {
    await this.access.invalidate({
      conversationId: req.conversationId ?? null,
      userIds: req.userIds ?? [],
    });
    return { ok: true };
  }
}
