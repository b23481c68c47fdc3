import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { PRESENCE_CONFIG, type PresenceConfig } from '../config';
import { TypingService } from '../typing/typing.service';
import { PresenceService } from './presence.service';

/**
 * Every PRESENCE_SWEEP_MS: users whose connections ran out go offline, idle ones away,
 * and unrenewed typing ends. Every replica sweeps; the store's scripts make sure each
 * change is recorded once.
 */
@Injectable()
export class PresenceSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('presence-sweeper');
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly presence: PresenceService,
    private readonly typing: TypingService,
    @Inject(PRESENCE_CONFIG) private readonly config: PresenceConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.PRESENCE_SWEEP_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const now = Date.now();
      await this.presence.sweep(now);
      await this.typing.sweep(now);
    } catch (error: unknown) {
      this.logger.warn({ error: String(error) }, 'sweep failed');
    } finally {
      this.running = false;
    }
  }
}
