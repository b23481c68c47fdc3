import { createHash } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';

/** A Lua script run by its SHA1; `load` puts it (back) into Redis's script cache. */
export class RedisScript {
  readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async load(redis: Redis): Promise<void> {
    await redis.script('LOAD', this.source);
  }

  call(
    redis: Redis,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    return redis.evalsha(this.sha, keys.length, ...keys, ...args);
  }

  queue(
    pipeline: ChainableCommander,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): void {
    pipeline.evalsha(this.sha, keys.length, ...keys, ...args);
  }
}

export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
