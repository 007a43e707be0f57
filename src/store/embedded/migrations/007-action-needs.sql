-- The scope entries each recorded action needed (a JSON array of {verb, object}): least-privilege advice
-- compares them with what its grant asked for. NULL on actions recorded before this column existed.
ALTER TABLE session_actions ADD COLUMN needs TEXT;
