const MIN_RETRY_MS = 100;
const MAX_RETRY_MS = 10_000;

/**
 * Which members' new messages to refuse while the gateways' pushes lag: none while the lag is
 * under a third of the limit, all once it reaches the limit, and between the two a share that
 * grows with the lag. Refusing all sends at one threshold made admission swing on and off with
 * each lag report: the refused senders' pipeline emptied, then their retries came back
 * together, and twice the senders accepted a fifth less than W1. Refusals are spread evenly (a
 * share of 1/4 refuses every fourth send), so the same lag gives the same answers in tests.
 */
export class PushLagPacing {
  private readonly fromMs: number;
  /** Refusals owed for the share of the sends taken so far. */
  private owed = 0;

  /** `maxLagMs` 0 never refuses. */
  constructor(private readonly maxLagMs: number) {
    this.fromMs = maxLagMs / 3;
  }

  /** The retry hint in ms when this send is to be refused, null when it is taken. */
  refusal(lagMs: number): number | null {
    if (this.maxLagMs === 0 || lagMs <= this.fromMs) {
      this.owed = 0;
      return null;
    }
    this.owed += Math.min(1, (lagMs - this.fromMs) / (this.maxLagMs - this.fromMs));
    if (this.owed < 1) return null;
    this.owed -= 1;
    // How long the backlog needs to shrink back to where refusals start.
    return Math.round(Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, lagMs - this.fromMs)));
  }
}
