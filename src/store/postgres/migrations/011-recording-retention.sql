-- Legal holds: a held session's recording is never removed by retention, whatever its age or size.
CREATE TABLE taskgate.session_legal_holds (
  session_id text PRIMARY KEY,
  reason text NOT NULL,
  held_by text NOT NULL,
  held_at timestamptz NOT NULL
);
