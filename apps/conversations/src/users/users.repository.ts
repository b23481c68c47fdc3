import { Injectable } from '@nestjs/common';
import { isUuid } from '@jchat/common';
import { PrismaService } from '@jchat/db';

export interface UserCard {
  id: string;
  displayName: string;
}

/** Reads auth's `users` table (never writes it): who may be added, and their names. */
@Injectable()
export class UsersRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The active users among `ids`, by id. */
  async activeUsers(ids: readonly string[]): Promise<Map<string, UserCard>> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return new Map();
    const users = await this.prisma.user.findMany({
      where: { id: { in: valid }, isActive: true },
      select: { id: true, displayName: true },
    });
    return new Map(users.map((user) => [user.id, user]));
  }
}
