-- Liaison migration 007 (issue 13, the front door): the console's search
-- (GET /staff/tickets?q=) finds a ticket by the caller's phone or by its
-- case number through an index, as it does by its number.
ALTER TABLE tickets
    ADD KEY k_tickets_phone (contact_phone),
    ADD KEY k_tickets_case_no (case_no);
