-- (Numbered 009: 008 went to audit sinks at the same time.) Per-kind verifiers of each credential (a JSON object: kind -> {name: hex}), computed from the clear password
-- when it is issued, e.g. MySQL's SHA1(SHA1(pw)) and SHA256(SHA256(pw)); the `scram` column stays beside it
-- until the PostgreSQL engine reads its verifier from here too. Credentials issued before have none: a MySQL
-- client cannot log in with them (a fresh `grant env` issues one that can).
ALTER TABLE credentials ADD COLUMN verifiers TEXT NOT NULL DEFAULT '{}';
