import type { LoggerService } from '@nestjs/common';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface ShutdownOptions {
  logger: LoggerService;
  /** Drains and closes; the process exits 0 when it resolves, 1 when it throws. */
  shutdown: (signal: NodeJS.Signals) => Promise<void>;
  /** After this long the process exits (1) whatever `shutdown` still waits for. */
  hardLimitMs: number;
}

/**
 * SIGTERM or SIGINT starts a graceful shutdown (once); a second signal exits at once. Replaces
 * Nest's own shutdown hooks, which close the stores before the in-flight requests are done.
 */
export function onShutdownSignal(options: ShutdownOptions): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals): void => {
    if (stopping) {
      options.logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    options.logger.log(`${signal}: shutting down`);
    setTimeout(() => {
      options.logger.error(`shutdown still not done after ${options.hardLimitMs} ms: exiting`);
      process.exit(1);
    }, options.hardLimitMs).unref();
    options.shutdown(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        options.logger.error(
          `shutdown failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
        process.exit(1);
      },
    );
  };
  for (const signal of SIGNALS) process.on(signal, handle);
}
