-- A statement that ran after a human approved it names that approval and the approver on its record.
ALTER TABLE taskgate.session_actions ADD COLUMN approval_id text, ADD COLUMN approved_by text,
  ADD COLUMN approved_by_name text;
