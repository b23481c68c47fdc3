/** How often a transaction PostgreSQL aborted as a deadlock or serialization failure is tried. */
export const TRANSACTION_ATTEMPTS = 4;

/** SQLSTATEs of a transaction PostgreSQL rolled back whole, which may succeed if run again. */
const TRANSIENT_SQLSTATES = new Set(['40P01', '40001']);

/**
 * Deadlocks (40P01) and serialization failures (40001): PostgreSQL rolled the whole transaction
 * back, so running it again from the start is safe. Prisma reports them as P2034 from the query
 * builder and as P2010 (with the driver's error) from raw SQL; the text is the last resort.
 */
export function isTransientTransactionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, meta } = error as { code?: unknown; meta?: Record<string, unknown> };
  if (code === 'P2034' || (typeof code === 'string' && TRANSIENT_SQLSTATES.has(code))) return true;
  const cause = (meta?.['driverAdapterError'] as { cause?: Record<string, unknown> } | undefined)
    ?.cause;
  if (cause?.['kind'] === 'TransactionWriteConflict') return true;
  if (typeof cause?.['originalCode'] === 'string' && TRANSIENT_SQLSTATES.has(cause['originalCode']))
    return true;
  const text = error instanceof Error ? error.message : '';
  return /\b40P01\b|\b40001\b|deadlock detected|could not serialize access/.test(text);
}

/**
 * Runs `work` until it succeeds, fails otherwise than transiently, or has run `attempts` times.
 * `work` must be a whole transaction (or one statement) with no effect outside the database, as
 * it runs again from the start. A short random pause lets the other party of a deadlock finish.
 */
export async function retryTransient<T>(
  work: () => Promise<T>,
  attempts = TRANSACTION_ATTEMPTS,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error: unknown) {
      if (attempt >= attempts || !isTransientTransactionError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}
