import './dto-rules';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsISO8601,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import type {
  PresenceConnectionChange,
  PresenceConnectionRequest,
  PresenceConnectionsRequest,
  PresenceHeartbeatAccount,
  PresenceHeartbeatRequest,
} from '../presence.contract';

/** Most accounts in one heartbeat message (keeps it far below the NATS payload limit). */
export const PRESENCE_HEARTBEAT_BATCH = 2000;

/** Most opens and closes in one connections report. */
export const PRESENCE_CONNECTION_BATCH = 1000;

const MIN_TTL_MS = 1000;
const MAX_TTL_MS = 3600_000;

/** What every report of a gateway carries: who reports, and how long its word holds. */
abstract class GatewayReportDto {
  @IsString()
  @Length(1, 200)
  gatewayId!: string;

  @IsInt()
  @Min(MIN_TTL_MS)
  @Max(MAX_TTL_MS)
  ttlMs!: number;
}

export class PresenceConnectionDto extends GatewayReportDto implements PresenceConnectionRequest {
  @IsUUID()
  userId!: string;
}

export class PresenceConnectionChangeDto implements PresenceConnectionChange {
  @IsUUID()
  userId!: string;

  @IsBoolean()
  opened!: boolean;
}

export class PresenceConnectionsDto extends GatewayReportDto implements PresenceConnectionsRequest {
  @IsArray()
  @ArrayMaxSize(PRESENCE_CONNECTION_BATCH)
  @ValidateNested({ each: true })
  @Type(() => PresenceConnectionChangeDto)
  changes!: PresenceConnectionChangeDto[];
}

export class PresenceHeartbeatAccountDto implements PresenceHeartbeatAccount {
  @IsUUID()
  userId!: string;

  @IsISO8601()
  lastActiveAt!: string;
}

export class PresenceHeartbeatDto extends GatewayReportDto implements PresenceHeartbeatRequest {
  @IsArray()
  @ArrayMaxSize(PRESENCE_HEARTBEAT_BATCH)
  @ValidateNested({ each: true })
  @Type(() => PresenceHeartbeatAccountDto)
  accounts!: PresenceHeartbeatAccountDto[];
}
