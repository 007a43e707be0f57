-- The chain head (seq and hash of the newest entry), written in the same transaction as each append and read
-- by the next append. Removing the newest entries leaves a chain that verifies on its own; it no longer
-- reaches this head, and an append after the removal leaves a gap instead of closing it.
CREATE TABLE taskgate.audit_head (
  id int PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO taskgate.audit_head (id, seq, hash) SELECT 1, seq, hash FROM taskgate.audit_events ORDER BY seq DESC LIMIT 1;
