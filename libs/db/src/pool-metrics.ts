import type { Pool } from 'pg';
import { scrapedGauge } from '@jchat/common';

/** PostgreSQL pools of this process by name (`prisma`: queries; `if-in-state`: /set guards). */
const pools = new Map<string, Pool>();

/** Makes a pool's use part of the metrics; returns the unregister function. */
export function watchPool(name: string, pool: Pool): () => void {
  pools.set(name, pool);
  return () => {
    if (pools.get(name) === pool) pools.delete(name);
  };
}

function each(read: (pool: Pool) => number): [{ pool: string }, number][] {
  return [...pools].map(([name, pool]) => [{ pool: name }, read(pool)]);
}

scrapedGauge(
  {
    name: 'jchat_db_pool_connections',
    help: 'Connections the PostgreSQL pool holds (idle and in use)',
    labelNames: ['pool'] as const,
  },
  () => each((pool) => pool.totalCount),
);

scrapedGauge(
  {
    name: 'jchat_db_pool_idle_connections',
    help: 'Connections of the PostgreSQL pool not in use',
    labelNames: ['pool'] as const,
  },
  () => each((pool) => pool.idleCount),
);

scrapedGauge(
  {
    name: 'jchat_db_pool_waiting_clients',
    help: 'Queries or transactions waiting for a connection of the PostgreSQL pool',
    labelNames: ['pool'] as const,
  },
  () => each((pool) => pool.waitingCount),
);

scrapedGauge(
  {
    name: 'jchat_db_pool_max_connections',
    help: 'Most connections the PostgreSQL pool may open',
    labelNames: ['pool'] as const,
  },
  () => each((pool) => pool.options.max ?? 10),
);
