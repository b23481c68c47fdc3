import { Injectable } from '@nestjs/common';
import { PrismaService } from '@jchat/db';

@Injectable()
export class PermissionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Permission lists of the user's system-wide roles. */
  async systemRolePermissions(userId: string): Promise<string[][]> {
    const grants = await this.prisma.userRole.findMany({
      where: { userId },
      select: { role: { select: { permissions: true } } },
    });
    return grants.map((g) => g.role.permissions);
  }
}
