import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { currentRequestId } from './observability/request-context';

const levels: Record<string, LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
};

interface JsonLogOptions {
  context: string;
  logLevel: LogLevel;
  writeStreamType?: 'stdout' | 'stderr';
  errorStack?: unknown;
}

/**
 * Nest's console logger, plus the id of the request being handled (see request-context.ts) on
 * every line written while handling it: a `requestId` field in JSON, `[req <id>]` when pretty.
 */
export class RequestAwareLogger extends ConsoleLogger {
  protected override getJsonLogObject(message: unknown, options: JsonLogOptions) {
    const object = super.getJsonLogObject(message, options);
    const requestId = currentRequestId();
    return requestId === undefined ? object : { ...object, requestId };
  }

  protected override formatContext(context: string): string {
    const requestId = currentRequestId();
    const formatted = super.formatContext(context);
    return requestId === undefined ? formatted : `${formatted}[req ${requestId}] `;
  }
}

/** Whether debug lines are written (LOG_LEVEL=debug): to skip work done only for them. */
export function debugLogging(): boolean {
  return process.env.LOG_LEVEL === 'debug';
}

/** One JSON line per event, named after the service; LOG_LEVEL=error|warn|info|debug. */
export function createLogger(service: string): ConsoleLogger {
  return new RequestAwareLogger(service, {
    json: process.env.LOG_FORMAT !== 'pretty',
    logLevels: levels[process.env.LOG_LEVEL ?? 'info'] ?? levels.info,
  });
}
