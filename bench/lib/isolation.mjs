// What a benchmark leaves on the shared servers, removed: its database, the Redis keys and the
// JetStream streams of its prefix (tests do the same in test/support/isolation.ts).
import { createRequire } from 'node:module';
import pg from 'pg';

const require = createRequire(import.meta.url);
const Redis = require('ioredis');
const { connect } = require('nats');

/** Drops the database (connections and all) and everything under `prefix` in Redis and NATS. */
export async function dropBenchState({ pgAdminUrl, database, redisUrl, natsUrl, prefix }) {
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await admin.end().catch(() => undefined);
  }
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await nc.jetstreamManager();
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(prefix)) await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}
