-- Audit retention prunes the oldest entries; the checkpoint keeps the pruned head (seq and hash of the last
-- entry removed), signed with retention.checkpointKey, so verification starts from it instead of genesis.
CREATE TABLE taskgate.audit_checkpoint (
  id integer PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash text NOT NULL,
  at timestamptz NOT NULL,
  mac text NOT NULL
);
