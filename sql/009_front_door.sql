-- Liaison migration 009 (issue 13, the front door).
--
-- The console's search (GET /staff/tickets?q=) finds a ticket by the
-- caller's phone or by its case number through an index, as it does by
-- its number.
ALTER TABLE tickets
    ADD KEY k_tickets_phone (contact_phone),
    ADD KEY k_tickets_case_no (case_no);

-- The monthly bulletin as a workbook too: one sheet per table, rates as
-- percentages, ticket numbers as text (GET /staff/reports/monthly
-- ?format=xlsx).  NULL for a month generated before this version.
ALTER TABLE monthly_reports
    ADD COLUMN body_xlsx LONGBLOB NULL AFTER body_html;
