-- Audit retention prunes the oldest entries; the checkpoint keeps the pruned head (seq and hash of the last
-- entry removed), signed with retention.checkpointKey, so verification starts from it instead of genesis.
CREATE TABLE audit_checkpoint (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  at INTEGER NOT NULL,
  mac TEXT NOT NULL
) STRICT;
