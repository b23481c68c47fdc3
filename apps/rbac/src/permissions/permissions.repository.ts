import { Injectable } from '@nestjs/common';
import type { ConversationType, ParticipantRole, PrivacyLevel } from '@jchat/contracts';
import { PrismaService } from '@jchat/db';
import type { AccessFacts } from './effective-access';

/** The system role every user holds without a grant. */
export const EVERYONE_ROLE = 'user';

@Injectable()
export class PermissionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Permission lists of the user's system-wide roles, the implicit everyone role included. */
  async systemRolePermissions(userId: string): Promise<string[][]> {
    const roles = await this.prisma.role.findMany({
      where: { OR: [{ name: EVERYONE_ROLE, isSystem: true }, { userRoles: { some: { userId } } }] },
      select: { permissions: true },
    });
    return roles.map((role) => role.permissions);
  }

  /** What the user's access to the conversation depends on (reads conversations' tables). */
  async accessFacts(userId: string, conversationId: string): Promise<AccessFacts> {
    const [conversation, systemRolePermissions, grants] = await Promise.all([
      this.prisma.conversation.findFirst({
        where: { id: conversationId, deletedAt: null },
        select: {
          conversationType: true,
          privacyLevel: true,
          isArchived: true,
          participants: {
            where: { userId },
            select: { role: true, isActive: true, permissions: true },
          },
        },
      }),
      this.systemRolePermissions(userId),
      this.prisma.conversationRole.findMany({
        where: { userId, conversationId },
        select: { role: { select: { permissions: true } } },
      }),
    ]);
    const participant = conversation?.participants[0];
    return {
      conversation: conversation && {
        conversationType: conversation.conversationType as ConversationType,
        privacyLevel: conversation.privacyLevel as PrivacyLevel,
        isArchived: conversation.isArchived,
      },
      participant: participant
        ? {
            role: participant.role as ParticipantRole,
            isActive: participant.isActive,
            permissions: participant.permissions,
          }
        : null,
      systemRolePermissions,
      conversationRolePermissions: grants.map((grant) => grant.role.permissions),
    };
  }
}
