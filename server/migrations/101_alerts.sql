-- Alerts: the watcher's cursor and the blocks it has seen (for reorg detection), what it tracks from the protocol's
-- events to know who an alert concerns, the alerts themselves (CloudEvents), subscriptions and the delivery outbox.
-- Plain SQL for PostgreSQL 15 and PGlite. Every tracking row records the block it came from so a reorg rewinds it.

CREATE TABLE alert_cursor (
  id smallint PRIMARY KEY CHECK (id = 1),
  block_number bigint NOT NULL,
  block_hash text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The hash of every processed block that had events, and of the last block of every batch.
CREATE TABLE alert_blocks (
  block_number bigint PRIMARY KEY,
  block_hash text NOT NULL
);

CREATE TABLE alert_reorgs (
  id bigserial PRIMARY KEY,
  detected_at timestamptz NOT NULL DEFAULT now(),
  old_cursor bigint NOT NULL,
  ancestor bigint NOT NULL,
  depth integer NOT NULL,
  orphaned_alerts integer NOT NULL,
  beyond_window boolean NOT NULL DEFAULT false
);

-- Tracking tables, rebuilt from events.
CREATE TABLE alert_lots (
  lot_id text PRIMARY KEY,
  gtin text NOT NULL,
  manufacturer text NOT NULL,
  lot_number text NOT NULL,
  expires_at bigint NOT NULL,
  block_number bigint NOT NULL
);

-- Everyone who made, held or was shipped packs of a lot (first block it became a party).
CREATE TABLE alert_lot_parties (
  lot_id text NOT NULL,
  account text NOT NULL,
  block_number bigint NOT NULL,
  PRIMARY KEY (lot_id, account)
);

CREATE TABLE alert_shipments (
  shipment_id text PRIMARY KEY,
  seller text NOT NULL,
  buyer text NOT NULL,
  transporter text,
  block_number bigint NOT NULL
);

CREATE TABLE alert_shipment_lots (
  shipment_id text NOT NULL,
  lot_id text NOT NULL,
  block_number bigint NOT NULL,
  PRIMARY KEY (shipment_id, lot_id)
);

CREATE TABLE alert_orders (
  order_id text PRIMARY KEY,
  seller text NOT NULL,
  buyer text NOT NULL,
  gtin text NOT NULL,
  block_number bigint NOT NULL
);

-- Licence validity, one row per event that set it (the latest row is the current value; 0 = revoked).
CREATE TABLE alert_licences (
  account text NOT NULL,
  valid_until bigint NOT NULL,
  block_number bigint NOT NULL,
  log_index integer NOT NULL,
  PRIMARY KEY (account, block_number, log_index)
);

-- The alerts: one CloudEvent each. `seq` orders them for Server-Sent Events replay.
CREATE TABLE alerts (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  kind text NOT NULL,
  block_number bigint NOT NULL,
  block_hash text NOT NULL,
  tx_hash text,
  log_index integer,
  lot_ids text[] NOT NULL DEFAULT '{}',
  gtins text[] NOT NULL DEFAULT '{}',
  parties text[] NOT NULL DEFAULT '{}',
  event jsonb NOT NULL,
  orphaned boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_block ON alerts (block_number);

CREATE TABLE alert_subscriptions (
  id text PRIMARY KEY,
  owner text NOT NULL,
  url text NOT NULL,
  secret text NOT NULL,
  kinds text[],
  lot_ids text[],
  gtins text[],
  concerns_me boolean NOT NULL DEFAULT false,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_subscriptions_owner ON alert_subscriptions (owner);

-- The outbox: one row per alert and subscription, written in the watcher's transaction.
CREATE TABLE alert_deliveries (
  id bigserial PRIMARY KEY,
  alert_seq bigint NOT NULL REFERENCES alerts (seq) ON DELETE CASCADE,
  subscription_id text NOT NULL REFERENCES alert_subscriptions (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_status integer,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (alert_seq, subscription_id)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE status = 'pending';
