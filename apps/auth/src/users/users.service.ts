import { Inject, Injectable } from '@nestjs/common';
import bcrypt from 'bcrypt';
import type { User } from '@jchat/db';
import {
  type ClientInfo,
  DomainException,
  type RegisteredUser,
  type UserProfile,
} from '@jchat/contracts';
import { AUTH_CONFIG, type AuthConfig } from '../config';
import { normaliseEmail } from '../security/email';
import { passwordProblem } from '../security/password-policy';
import { displayNameProblem, externalDisplayName } from '../security/text';
import { RateLimiter } from '../security/rate-limiter';
import { UsersRepository } from './users.repository';

interface FieldProblem {
  field: string;
  message: string;
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly limiter: RateLimiter,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async register(
    input: { email: string; password: string; displayName: string },
    client: ClientInfo,
  ): Promise<RegisteredUser> {
    const email = normaliseEmail(input.email);
    const displayName = input.displayName.trim();
    const problems: FieldProblem[] = [];
    if (!email) problems.push({ field: 'email', message: 'is not a valid email address' });
    const weak = passwordProblem(input.password, email ?? input.email);
    if (weak) problems.push({ field: 'password', message: weak });
    const nameProblem = displayNameProblem(input.displayName);
    if (nameProblem) problems.push({ field: 'displayName', message: nameProblem });
    if (problems.length > 0 || !email) {
      throw new DomainException('invalid_argument', 'the registration has invalid fields', {
        fields: problems,
      });
    }
    await this.limiter.hit(
      `register:ip:${client.ipAddress ?? 'unknown'}`,
      this.config.REGISTER_LIMIT_PER_IP,
      3600,
    );
    const passwordHash = await bcrypt.hash(input.password, this.config.BCRYPT_COST);
    const user = await this.users.create({
      email,
      passwordHash,
      displayName,
      authProvider: 'local',
      authProviderId: null,
    });
    if (!user) {
      throw new DomainException('conflict', 'this email is already registered', {
        fields: [{ field: 'email', message: 'is already registered' }],
      });
    }
    return { id: user.id, email: user.email, displayName: user.displayName };
  }

  async profile(userId: string): Promise<UserProfile> {
    const user = await this.users.findById(userId);
    if (!user) throw new DomainException('not_found', 'no such user');
    return {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      isActive: user.isActive,
    };
  }

  /** Finds or creates the user behind an external identity; links by verified email. */
  async fromExternalIdentity(identity: {
    provider: string;
    subject: string;
    email: string | null;
    emailVerified: boolean;
    displayName: string;
  }): Promise<User> {
    const known = await this.users.findByProvider(identity.provider, identity.subject);
    if (known) return known;
    const email = identity.email ? normaliseEmail(identity.email) : null;
    if (!email || !identity.emailVerified) {
      throw new DomainException('forbidden', 'the provider did not vouch for an email address');
    }
    const byEmail = await this.users.findByEmail(email);
    if (byEmail) return this.users.linkProvider(byEmail.id, identity.provider, identity.subject);
    const displayName = externalDisplayName(identity.displayName) || email.split('@')[0] || email;
    const created = await this.users.create({
      email,
      passwordHash: null,
      displayName,
      authProvider: identity.provider,
      authProviderId: identity.subject,
    });
    if (created) return created;
    const raced = await this.users.findByEmail(email);
    if (!raced) throw new DomainException('conflict', 'could not create the user');
    return raced;
  }
}
