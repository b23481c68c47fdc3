// Request DTOs of auth's subjects (class-validator), checked by ContractPayload before the
// handler runs. Only the shape is checked here (the gateway always sends strings for what a
// client typed): whether an email is well formed or a password long enough stays with the
// service, whose answer names each field for the HTTP 400 `fields` reply.
import { IsObject, IsString, Length, Matches, ValidateIf } from 'class-validator';
import type {
  ClientInfo,
  LoginRequest,
  OAuthCallbackRequest,
  OAuthStartRequest,
  RefreshRequest,
  RegisterRequest,
  RevokeSessionRequest,
  SessionRef,
} from '../auth.contract';
import { ID_MESSAGE, UUID } from './dto-rules';

/** Longer than any value a client may send (the service refuses long ones with a field error). */
const MAX_TEXT = 100_000;
const MAX_URL = 4096;

class ClientInfoDto implements ClientInfo {
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Length(0, 512)
  ipAddress!: string | null;

  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Length(0, MAX_URL)
  userAgent!: string | null;
}

export class RegisterDto extends ClientInfoDto implements RegisterRequest {
  @IsString()
  @Length(0, MAX_TEXT)
  email!: string;

  @IsString()
  @Length(0, MAX_TEXT)
  password!: string;

  @IsString()
  @Length(0, MAX_TEXT)
  displayName!: string;
}

export class LoginDto extends ClientInfoDto implements LoginRequest {
  @IsString()
  @Length(0, MAX_TEXT)
  email!: string;

  @IsString()
  @Length(0, MAX_TEXT)
  password!: string;
}

export class RefreshDto extends ClientInfoDto implements RefreshRequest {
  @IsString()
  @Length(0, MAX_TEXT)
  refreshToken!: string;
}

export class UserRefDto {
  @Matches(UUID, ID_MESSAGE)
  userId!: string;
}

export class SessionRefDto implements SessionRef {
  @Matches(UUID, ID_MESSAGE)
  userId!: string;

  @Matches(UUID, ID_MESSAGE)
  sessionId!: string;
}

export class RevokeSessionDto implements RevokeSessionRequest {
  @Matches(UUID, ID_MESSAGE)
  userId!: string;

  @Matches(UUID, ID_MESSAGE)
  currentSessionId!: string;

  /** From the URL: any text, so that a bogus id is "no such session" (404), as before. */
  @IsString()
  @Length(1, 200)
  sessionId!: string;
}

export class ProvidersDto {
  @IsString()
  @Length(1, MAX_URL)
  baseUrl!: string;
}

export class OAuthStartDto implements OAuthStartRequest {
  @IsString()
  @Length(1, 200)
  provider!: string;

  @IsString()
  @Length(1, MAX_URL)
  callbackUrl!: string;

  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Length(0, MAX_URL)
  returnTo!: string | null;
}

export class OAuthCallbackDto extends ClientInfoDto implements OAuthCallbackRequest {
  @IsString()
  @Length(1, 200)
  provider!: string;

  @IsString()
  @Length(1, MAX_URL)
  callbackUrl!: string;

  @IsObject()
  query!: Record<string, string>;
}
