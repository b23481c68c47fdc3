import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { ContractPayload } from '@jchat/bus';
import {
  type PresenceConnectionRequest,
  type PresenceConnectionsRequest,
  type PresenceHeartbeatRequest,
  PresenceSubjects,
  type PushBaselineReply,
  subjectOf,
} from '@jchat/contracts';
import { encodeState, horizonState } from '@jchat/jmap';
import { SyncRepository } from '@jchat/db';
import { PresenceService } from './presence.service';

/** NATS entry points of the presence service for the gateways. */
@Controller()
export class PresenceHandler {
  constructor(
    private readonly presence: PresenceService,
    private readonly sync: SyncRepository,
  ) {}

  @MessagePattern(subjectOf(PresenceSubjects.connectionsChanged))
  async connectionsChanged(
    @ContractPayload(PresenceSubjects.connectionsChanged) request: PresenceConnectionsRequest,
  ): Promise<Record<string, never>> {
    await this.presence.connectionsChanged(request);
    return {};
  }

  @MessagePattern(subjectOf(PresenceSubjects.connectionOpened))
  async opened(
    @ContractPayload(PresenceSubjects.connectionOpened) request: PresenceConnectionRequest,
  ): Promise<Record<string, never>> {
    await this.presence.connected(request);
    return {};
  }

  @MessagePattern(subjectOf(PresenceSubjects.connectionClosed))
  async closed(
    @ContractPayload(PresenceSubjects.connectionClosed) request: PresenceConnectionRequest,
  ): Promise<Record<string, never>> {
    await this.presence.disconnected(request);
    return {};
  }

  @MessagePattern(subjectOf(PresenceSubjects.heartbeat))
  async heartbeat(
    @ContractPayload(PresenceSubjects.heartbeat) request: PresenceHeartbeatRequest,
  ): Promise<Record<string, never>> {
    await this.presence.heartbeat(request);
    return {};
  }

  @MessagePattern(subjectOf(PresenceSubjects.pushBaseline))
  async baseline(): Promise<PushBaselineReply> {
    // The horizon first: a baseline must never be ahead of what it claims.
    const horizon = await this.sync.horizon();
    const presence = await this.presence.currentState();
    return { horizon: horizonState(horizon), presence: encodeState(presence) };
  }
}
