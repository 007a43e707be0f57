-- A grant holds several credentials at once (one per `connect` / `grant env`), numbered in issue order so the
-- cap revokes the oldest. A credential stored before this has its grant's id as login name: it is number 1.
ALTER TABLE credentials ADD COLUMN seq INTEGER NOT NULL DEFAULT 1;
CREATE INDEX credentials_grant_seq ON credentials (grant_id, seq);
DROP INDEX credentials_grant;
