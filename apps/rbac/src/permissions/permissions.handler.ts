import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  RbacSubjects,
  subjectOf,
  type SystemPermissionsReply,
  type SystemPermissionsRequest,
} from '@jchat/contracts';
import { PermissionsRepository } from './permissions.repository';

@Controller()
export class PermissionsHandler {
  constructor(private readonly permissions: PermissionsRepository) {}

  @MessagePattern(subjectOf(RbacSubjects.systemPermissions))
  async systemPermissions(@Payload() req: SystemPermissionsRequest): Promise<SystemPermissionsReply> {
    const lists = await this.permissions.systemRolePermissions(req.userId);
    return { permissions: [...new Set(lists.flat())].sort() };
  }
}
