package Liaison::Staff;

# Staff-work fixtures shared by the t/3xx tests: one account per role in
# two trial departments (civil, criminal) with a vice president in charge
# of each, tickets made through the public intake, and small helpers to
# act on them and read them back from the database.
#
#   my $env = Liaison::Test->start(staff => staff_cast());
#   my $S = staff_setup($env);              # username => {id, token, ...}
#   my $t = new_ticket($env, category => 'complaint', case => 'civil');
#   my $r = act($env, 'platform', $t->{ticket_no}, dispatch => {});
#   drive($env, $t->{ticket_no}, 'dispatched_to_judge1', ...);

use strict;
use warnings;
use utf8;
use Carp qw(croak);
use Exporter 'import';
use Test::More ();

our @EXPORT = qw(staff_cast staff_setup new_ticket act staff_get ticket_row
    ticket_events drive CIVIL_CASE CRIMINAL_CASE NOJUDGE_CASE tok sid
    dept_id);

use constant CIVIL_CASE    => '（2026）粤0115民初101号';
use constant CRIMINAL_CASE => '（2026）粤0115刑初202号';
use constant NOJUDGE_CASE  => '（2026）粤0115民初303号';

# username, role, department code
my @CAST = (
    [ platform  => platform_staff => 'filing' ],
    [ filing    => filing_admin   => 'filing' ],
    [ judge1    => judge          => 'civil' ],
    [ judge1b   => judge          => 'civil' ],
    [ cstaff    => dept_staff     => 'civil' ],
    [ liaison   => liaison        => 'civil' ],
    [ leader    => dept_leader    => 'civil' ],
    [ judge2    => judge          => 'criminal' ],
    [ estaff    => dept_staff     => 'criminal' ],
    [ liaison2  => liaison        => 'criminal' ],
    [ leader2   => dept_leader    => 'criminal' ],
    [ vp        => vice_president => 'trial_mgmt' ],
    [ vp2       => vice_president => 'trial_mgmt' ],
    [ president => president      => 'trial_mgmt' ],
    [ admin     => sys_admin      => 'trial_mgmt' ],
    [ retired   => judge          => 'civil', 0 ],
);

my %NAMES = (platform => '陈晓燕', filing => '吴静', judge1 => '李建国',
    judge1b => '张卫东', cstaff => '赵敏', liaison => '刘洋',
    leader => '黄志强', judge2 => '王丽华', estaff => '孙倩',
    liaison2 => '周婷', leader2 => '马国栋', vp => '周文斌',
    vp2 => '钱海', president => '林振华', admin => '郑凯',
    retired => '退休法官');

sub staff_cast {
    return [ map {
        { username => $_->[0], role => $_->[1], department => $_->[2],
          name => $NAMES{ $_->[0] }, active => $_->[3] // 1,
          mobile => '1380013' . sprintf('%04d', 8000 + length $_->[0]) }
    } @CAST ];
}

my %DEPT_NAMES = (filing => '立案庭', civil => '民事审判庭',
    criminal => '刑事审判庭', trial_mgmt => '审判管理办公室');

my %STATE;    # per env: { staff => {...}, dept => {...} }

# Departments' leader and vice president in charge, two cases, tokens for
# every active account.  Returns { username => { id, token, role, dept } }.
sub staff_setup {
    my ($env) = @_;
    my %dept = map { $_ => $env->add_department(code => $_) }
        qw(filing civil criminal trial_mgmt);
    # Liaison::Test names departments from a source without `use utf8`
    # (the names reach the database double-encoded): set them here
    $env->sql('UPDATE departments SET name = ? WHERE id = ?',
        $DEPT_NAMES{$_}, $dept{$_}) for keys %dept;
    my %s;
    for my $c (@CAST) {
        my ($u, $role, $d, $active) = @$c;
        $s{$u} = { id => $env->sql_one('SELECT id FROM staff WHERE '
                       . 'username = ?', $u),
                   role => $role, dept => $dept{$d}, username => $u };
        $s{$u}{token} = $env->staff_token($u) if $active // 1;
    }
    $env->sql('UPDATE departments SET leader_staff_id = ?, '
        . 'vice_president_staff_id = ? WHERE id = ?',
        $s{leader}{id}, $s{vp}{id}, $dept{civil});
    $env->sql('UPDATE departments SET leader_staff_id = ?, '
        . 'vice_president_staff_id = ? WHERE id = ?',
        $s{leader2}{id}, $s{vp2}{id}, $dept{criminal});
    my $now = '2026-01-05 09:00:00';
    $env->sql('INSERT INTO cases (case_no, department_id, judge_staff_id, '
        . 'procedure_name, created_at, updated_at) VALUES '
        . '(?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?), (?, ?, NULL, ?, ?, ?)',
        CIVIL_CASE, $dept{civil}, $s{judge1}{id}, '民事一审', $now, $now,
        CRIMINAL_CASE, $dept{criminal}, $s{judge2}{id}, '刑事一审', $now,
        $now, NOJUDGE_CASE, $dept{civil}, '民事一审', $now, $now);
    $STATE{"$env"} = { staff => \%s, dept => \%dept };
    return \%s;
}

sub _state {
    my ($env) = @_;
    return $STATE{"$env"} || croak 'staff_setup($env) first';
}

sub tok { _state($_[0])->{staff}{ $_[1] }{token} // croak "no token $_[1]" }
sub sid { _state($_[0])->{staff}{ $_[1] }{id} // croak "no staff $_[1]" }
sub dept_id { _state($_[0])->{dept}{ $_[1] } // croak "no dept $_[1]" }

my $N = 0;

# A ticket through the public intake.  %o: category (default complaint,
# ordinary), case => 'civil'|'criminal'|'nojudge'|undef, channel, content.
# Returns the 201 answer (ticket_no, query_code, ...).
sub new_ticket {
    my ($env, %o) = @_;
    $N++;
    my %case = (civil => CIVIL_CASE, criminal => CRIMINAL_CASE,
        nojudge => NOJUDGE_CASE);
    my $body = {
        channel  => $o{channel} // 'web',
        category => $o{category} // 'complaint',
        content  => $o{content} // "测试诉求第 $N 件：请法官联系我。",
        contact  => { name => '张三', phone => '13800138000' },
    };
    $body->{case_no} = $case{ $o{case} } // $o{case} if defined $o{case};
    my $r = $env->req(POST => '/api/v1/tickets', body => $body);
    croak 'intake: ' . $r->summary unless $r->status == 201;
    return $r->json;
}

# POST /staff/tickets/{no}/{action} as username (or a raw token via
# token => ...).  $body: a hashref, or undef for no body.
sub act {
    my ($env, $who, $no, $action, $body) = @_;
    my $token = ref $who ? $who->{token} : tok($env, $who);
    return $env->req(POST => "/api/v1/staff/tickets/$no/$action",
        token => $token, (defined $body ? (body => $body) : ()));
}

# GET /tickets/{no} as a member of staff
sub staff_get {
    my ($env, $who, $no) = @_;
    return $env->req(GET => "/api/v1/tickets/$no", token => tok($env, $who));
}

sub ticket_row {
    my ($env, $no) = @_;
    my $rows = $env->sql("SELECT *, DATE_FORMAT(created_at, '%Y-%m-%d "
        . "%H:%i:%s') AS c FROM tickets WHERE ticket_no = ?", $no);
    return $rows->[0];
}

sub ticket_events {
    my ($env, $no) = @_;
    return $env->sql('SELECT e.* FROM ticket_events e JOIN tickets t ON '
        . 't.id = e.ticket_id WHERE t.ticket_no = ? ORDER BY e.id', $no);
}

# Steps to bring a ticket into a state, each [who, action, body]; croaks
# unless each answers 200.
sub drive {
    my ($env, $no, @steps) = @_;
    for my $s (@steps) {
        my ($who, $action, $body) = @$s;
        my $r = act($env, $who, $no, $action, $body);
        croak "drive $no: $who $action: " . $r->summary
            unless $r->status == 200;
    }
    return ticket_row($env, $no);
}

1;
