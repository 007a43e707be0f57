-- Each gateway process registers itself and beats every few seconds; a session and a held statement's approval
-- name the process serving them, so a process that died (SIGKILL, a worker crash) can have its sessions ended
-- and its held approvals expired by the next start or by a surviving peer.
CREATE TABLE taskgate.gateway_processes (
  id text PRIMARY KEY,
  host text NOT NULL,
  pid integer NOT NULL,
  started_at timestamptz NOT NULL,
  heartbeat_at timestamptz NOT NULL
);
ALTER TABLE taskgate.sessions ADD COLUMN process_id text;
CREATE INDEX sessions_live_by_process ON taskgate.sessions (process_id) WHERE ended_at IS NULL;
ALTER TABLE taskgate.approvals ADD COLUMN session_id text;
