-- Each gateway process registers itself and beats every few seconds; a session and a held statement's approval
-- name the process serving them, so a process that died (SIGKILL, a worker crash) can have its sessions ended
-- and its held approvals expired by the next start or by a surviving peer.
CREATE TABLE gateway_processes (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
) STRICT;
ALTER TABLE sessions ADD COLUMN process_id TEXT;
CREATE INDEX sessions_live_by_process ON sessions (process_id) WHERE ended_at IS NULL;
ALTER TABLE approvals ADD COLUMN session_id TEXT;
