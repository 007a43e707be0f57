-- A grant holds several credentials at once (one per `connect` / `grant env`), numbered in issue order so the
-- cap revokes the oldest. A credential stored before this has its grant's id as login name: it is number 1.
ALTER TABLE taskgate.credentials ADD COLUMN seq integer NOT NULL DEFAULT 1;
CREATE INDEX credentials_grant_seq ON taskgate.credentials (grant_id, seq);
DROP INDEX taskgate.credentials_grant;
