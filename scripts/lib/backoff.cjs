// Restart back-off shared by the app and server supervisors (as a container runtime does it):
// the delay doubles on each crash from initialMs up to maxMs, and starts again from initialMs once
// a process has stayed up for stableMs.
'use strict';

function restartBackoff({ initialMs = 500, maxMs = 30000, stableMs = 30000 } = {}) {
  let failures = 0;
  return {
    /** The delay before restarting a process that started at startedAt and has just died. */
    next(startedAt, now = Date.now()) {
      if (now - startedAt >= stableMs) failures = 0;
      const delay = Math.min(maxMs, initialMs * 2 ** failures);
      failures += 1;
      return delay;
    },
    get restarts() {
      return failures;
    },
  };
}

module.exports = { restartBackoff };
