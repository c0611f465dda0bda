#!/usr/bin/perl
# Liaison: writes the migration that loads the starter set of canned
# answers (A4 接诉即答) from its source of truth, the data file:
#
#   scripts/canned-sql.pl data/canned-answers.tsv > sql/NNN_canned_answers.sql
#
# The migration is committed; tests/test_canned_sql.sh checks that it is
# exactly what this script writes from the data file.  Rows are keyed by
# their code: an answer an administrator already has under that code is
# left as it is.

use strict;
use warnings;

my $file = shift // 'data/canned-answers.tsv';
@ARGV and die "usage: $0 [data/canned-answers.tsv]\n";
open my $in, '<:raw', $file or die "$file: $!\n";

my %categories = map { $_ => 1 } qw(case_query consultation document
    material suggestion contact_judge complaint other president_mailbox
    petition report);
my (@rows, %seen);

while (my $line = <$in>) {
    chomp $line;
    next if $line =~ /^#/ || $line eq '';
    my @f = split /\t/, $line, -1;
    @f == 6 or die "$file:$.: $#f fields, want 6\n";
    my ($code, $category, $auto) = @f;
    $code =~ /^[a-z0-9._]{1,32}$/ or die "$file:$.: bad code \"$code\"\n";
    $seen{$code}++ and die "$file:$.: duplicate code $code\n";
    $categories{$category} or die "$file:$.: unknown category $category\n";
    $auto =~ /^[01]$/ or die "$file:$.: auto must be 0 or 1\n";
    push @rows, \@f;
}

@rows or die "$file: no canned answers\n";

# a string literal for the connection's sql_mode (backslash escapes on)
sub sqlq {
    my ($s) = @_;
    $s =~ s/\\/\\\\/g;
    $s =~ s/'/''/g;
    return "'$s'";
}

print <<'EOF';
-- Liaison migration (issue 12, A4 接诉即答): answer on receipt.
--
-- Canned answers get keywords (core/lsn_canned.h: groups by ";",
-- alternatives by "|", "!" starts a group of exclusions), "auto" (may
-- answer a simple request on receipt) and a code naming the rows of the
-- starter set; a ticket answered on receipt records which answer did it.
--
-- The starter set below is written by scripts/canned-sql.pl from
-- data/canned-answers.tsv, its source of truth: change the data file and
-- regenerate, never this file by hand (tests/test_canned_sql.sh checks).
-- An administrator's row with the same code is kept as it is.

ALTER TABLE canned_answers
    ADD COLUMN IF NOT EXISTS code VARCHAR(32) NULL AFTER id,
    ADD COLUMN IF NOT EXISTS keywords VARCHAR(2000) NOT NULL DEFAULT ''
        AFTER body,
    ADD COLUMN IF NOT EXISTS auto TINYINT(1) NOT NULL DEFAULT 0
        AFTER keywords,
    ADD UNIQUE KEY IF NOT EXISTS uk_canned_answers_code (code);

ALTER TABLE tickets
    ADD COLUMN IF NOT EXISTS canned_answer_id INT UNSIGNED NULL;

EOF

print "INSERT INTO canned_answers (code, category, title, keywords, body, "
    . "auto, updated_at) VALUES\n";
print join(",\n", map {
    my ($code, $category, $auto, $title, $keywords, $body) = @$_;
    "(" . join(", ", sqlq($code), sqlq($category), sqlq($title), sqlq($keywords),
        sqlq($body), $auto,
        "CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', '+08:00')") . ")"
} @rows);
print "\nON DUPLICATE KEY UPDATE code = code;\n";
