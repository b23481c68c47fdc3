-- Transactional outbox: an event is written here before the change it announces is committed
-- and removed once published, so a crash or a NATS outage between commit and publish delays the
-- event (a relay publishes what is left) instead of losing it.
CREATE TABLE "event_outbox" (
    "id" BIGSERIAL NOT NULL,
    "service" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_outbox_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "event_outbox_service_id_idx" ON "event_outbox"("service", "id");
