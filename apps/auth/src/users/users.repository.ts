import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService, type User } from '@jchat/db';

export interface NewUser {
  email: string;
  passwordHash: string | null;
  displayName: string;
  authProvider: string;
  authProviderId: string | null;
}

/** The only place that reads or writes `users`. */
@Injectable()
export class UsersRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Creates the user; null when the email (or provider identity) is taken. */
  async create(user: NewUser): Promise<User | null> {
    try {
      return await this.prisma.user.create({ data: user });
    } catch (error: unknown) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')
        return null;
      throw error;
    }
  }

  findById(userId: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { id: userId } });
  }

  findByIds(userIds: string[]): Promise<User[]> {
    return this.prisma.user.findMany({ where: { id: { in: userIds } } });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { email } });
  }

  findByProvider(authProvider: string, authProviderId: string): Promise<User | null> {
    return this.prisma.user.findUnique({
      where: { authProvider_authProviderId: { authProvider, authProviderId } },
    });
  }

  linkProvider(userId: string, authProvider: string, authProviderId: string): Promise<User> {
    return this.prisma.user.update({
      where: { id: userId },
      data: { authProvider, authProviderId },
    });
  }

  recordLogin(userId: string, at: Date): Promise<User> {
    return this.prisma.user.update({ where: { id: userId }, data: { lastLoginAt: at } });
  }

  update(userId: string, change: { displayName?: string; isActive?: boolean }): Promise<User> {
    return this.prisma.user.update({ where: { id: userId }, data: change });
  }

  /** Highest modseq of any user: the `User` state. */
  async currentModseq(): Promise<bigint> {
    const result = await this.prisma.user.aggregate({ _max: { modseq: true } });
    return result._max.modseq ?? 0n;
  }

  /**
   * Active users whose display name starts with `text`, or whose email is exactly
   * `text` (a prefix match on emails would let anyone spell out every address).
   */
  searchByPrefix(text: string, take: number): Promise<Pick<User, 'id'>[]> {
    const prefix = text.trim().toLowerCase();
    return this.prisma.user.findMany({
      where: prefix
        ? {
            isActive: true,
            OR: [{ displayName: { startsWith: prefix, mode: 'insensitive' } }, { email: prefix }],
          }
        : { isActive: true },
      orderBy: [{ displayName: 'asc' }, { id: 'asc' }],
      take,
      select: { id: true },
    });
  }
}
