-- Liaison migration 020 (issue 15, the public status read).

-- The role a member of staff acted in, kept on the event: the public
-- timeline names the role, never the person, and reads it from the event
-- instead of joining `staff` on every status read (the busiest read).  It
-- is the role at the time of the event, as the timeline should tell it.
ALTER TABLE ticket_events
    ADD COLUMN actor_role VARCHAR(32) NULL AFTER actor_id;

UPDATE ticket_events e JOIN staff s ON s.id = e.actor_id
   SET e.actor_role = s.role
 WHERE e.actor_kind = 'staff';
