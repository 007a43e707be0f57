-- A batch's final action records of one session in one row (a JSON array of arrays, in seq order) rather
-- than a row each: a row insert costs node:sqlite about as much as the rest of a statement's recording, and
-- the recorder writes one session's statements by the hundred. Records that may still be completed (a start
-- stored before its outcome) stay rows of session_actions; readers merge both (sessions.ts).
CREATE TABLE session_action_packs (
  session_id TEXT NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  actions INTEGER NOT NULL,
  denied INTEGER NOT NULL,
  -- length(text) + length(result) of its records, as retention's size budget counts a row's.
  bytes INTEGER NOT NULL,
  body TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX session_action_packs_key ON session_action_packs (session_id, first_seq);
