import { ConsoleLogger, type LogLevel } from '@nestjs/common';

const levels: Record<string, LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
};

/** One JSON line per event, named after the service; LOG_LEVEL=error|warn|info|debug. */
export function createLogger(service: string): ConsoleLogger {
  return new ConsoleLogger(service, {
    json: process.env.LOG_FORMAT !== 'pretty',
    logLevels: levels[process.env.LOG_LEVEL ?? 'info'] ?? levels.info,
  });
}
