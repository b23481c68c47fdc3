// ESM face of processes.cjs (the single implementation, shared with the TypeScript test support).
import processes from './processes.cjs';

export const {
  ALL_APPS,
  DEFAULT_ROOT,
  freePort,
  reservePort,
  isPortFree,
  canConnect,
  waitForExit,
  stopChild,
  forEachLine,
  startApps,
} = processes;
