// Types of processes.cjs for the TypeScript test support.
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

export type AppName = 'gateway' | 'auth' | 'conversations' | 'messaging' | 'presence' | 'rbac';

export declare const ALL_APPS: readonly AppName[];
export declare const DEFAULT_ROOT: string;

export declare function freePort(host?: string): Promise<number>;
export declare function isPortFree(port: number, host?: string): Promise<boolean>;
export declare function canConnect(
  port: number,
  host?: string,
  timeoutMs?: number,
): Promise<boolean>;
export declare function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean>;
export declare function stopChild(
  child: ChildProcess | undefined,
  options?: { signal?: NodeJS.Signals; timeoutMs?: number },
): Promise<void>;
export declare function forEachLine(stream: Readable, onLine: (line: string) => void): void;

export interface AppExit {
  name: AppName;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** true when stop()/stopAll() caused it */
  expected: boolean;
}

export interface StartAppsOptions {
  /** Set on top of process.env for every app; undefined/null removes a variable. */
  env?: Record<string, string | number | undefined | null>;
  /** Set on top of `env` for one app only (e.g. its OBSERVABILITY_PORT). */
  appEnv?: Partial<Record<AppName, Record<string, string | number | undefined | null>>>;
  apps?: readonly AppName[];
  /** Receives `[name] line` for each output line when logDir is not given. */
  log?: (line: string) => void;
  rootDir?: string;
  /** When given, each app's output goes to <logDir>/<name>.log instead of log. */
  logDir?: string;
  /** SIGTERM, then SIGKILL after this many ms (default 10000). */
  stopTimeoutMs?: number;
}

export interface AppsHandle {
  readonly apps: AppName[];
  /** (Re)starts one app with the same environment; returns its pid. */
  start(name: AppName): number | undefined;
  stop(name: AppName): Promise<void>;
  stopAll(): Promise<void>;
  isRunning(name: AppName): boolean;
  /** The app's last output lines. */
  tail(name: AppName): string;
  onExit(listener: (exit: AppExit) => void): () => void;
  /** From now on an app that dies on its own is restarted with back-off, and logged. */
  supervise(options?: {
    log?: (line: string) => void;
    backoff?: { initialMs?: number; maxMs?: number; stableMs?: number };
  }): void;
  /** The running process id of an app, if started. */
  pid(name: AppName): number | undefined;
  /**
   * Polls url until 200 (or any HTTP answer with anyStatus) and returns the JSON body; fails fast
   * if an app exits, and on timeout names the services /health reports missing.
   */
  waitForHealth(
    url: string,
    timeoutMs?: number,
    options?: { anyStatus?: boolean },
  ): Promise<unknown>;
}

export declare function startApps(options?: StartAppsOptions): AppsHandle;
