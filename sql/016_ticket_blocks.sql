-- Ticket numbers in blocks from a table instead of the sequence ticket_seq.
--
-- Under Galera (MariaDB 10.11) a SEQUENCE is not certified like a row:
-- NEXTVAL(ticket_seq) run at once on three nodes handed out the same
-- values on several nodes (208 duplicates in 600 calls, measured on the
-- cluster of scripts/cluster.sh), and a cached sequence that steps by 100
-- is refused outright.  A row updated in place is certified: two nodes
-- taking a block at once conflict and one is retried, so blocks stay
-- unique.  The module takes a block with
--   UPDATE ticket_blocks SET next_value = LAST_INSERT_ID(next_value) + 100
--   WHERE id = 1
-- and numbers its next 100 tickets from LAST_INSERT_ID().

CREATE TABLE IF NOT EXISTS ticket_blocks (
    id          TINYINT UNSIGNED NOT NULL PRIMARY KEY,
    next_value  BIGINT UNSIGNED  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- the sequence's next uncached value is past every number it handed out
INSERT IGNORE INTO ticket_blocks (id, next_value)
    SELECT 1, next_not_cached_value FROM ticket_seq;

DROP SEQUENCE IF EXISTS ticket_seq;
