-- A statement that ran after a human approved it names that approval and the approver on its record.
ALTER TABLE session_actions ADD COLUMN approval_id TEXT;
ALTER TABLE session_actions ADD COLUMN approved_by TEXT;
ALTER TABLE session_actions ADD COLUMN approved_by_name TEXT;
