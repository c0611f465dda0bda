#!/usr/bin/perl
# Accounts (sys_admin only), lockout after 5 failed logins and unlock by
# the admin, revoked tokens (logout, password reset, deactivation), the
# departments list and canned answers (written by sys_admin and the
# case-filing division only).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Liaison::Test;
use Liaison::Staff;

# one caller files many complaints here: A17 supervision is the worker's
# (liaison-worker), which does not run here
my $env = Liaison::Test->start(staff => staff_cast());
my $S = staff_setup($env);
my @WHO = qw(platform filing judge1 cstaff liaison leader vp president admin);
my $PW = $Liaison::Test::DEFAULT_PASSWORD;

sub login {
    my ($u, $p) = @_;
    return $env->req(POST => '/api/v1/staff/login',
        body => { username => $u, password => $p });
}

sub as {
    my ($who, $method, $path, $body) = @_;
    return $env->req($method => "/api/v1/staff/$path",
        token => ref $who ? $$who : tok($env, $who),
        (defined $body ? (body => $body) : ()));
}

# a request only a valid staff token passes
sub works { as($_[0], GET => 'canned-answers')->status }

subtest 'only sys_admin manages accounts' => sub {
    my $id = sid($env, 'cstaff');
    for my $who (grep { $_ ne 'admin' } @WHO) {
        my @r = (
            as($who, GET => 'accounts'),
            as($who, POST => 'accounts', { username => "x$who", name => '某',
                role => 'judge', department_id => dept_id($env, 'civil'),
                password => 'Long-enough-1' }),
            as($who, PUT => "accounts/$id", { name => '改名' }),
            as($who, POST => "accounts/$id/password",
                { password => 'Another-pass-1' }),
        );
        is_deeply [ map { $_->status } @r ], [ 403, 403, 403, 403 ],
            "$who: list, create, update, password: 403";
        is_deeply [ map { $_->error_code } @r ], [ ('forbidden') x 4 ],
            "$who: ... forbidden";
    }
    is $env->sql_one("SELECT name FROM staff WHERE id = $id"), '赵敏',
        'nothing changed';
    is $env->sql_one("SELECT COUNT(*) FROM staff WHERE username LIKE 'x%'"),
        0, 'no account created';
    is $env->sql_one('SELECT COUNT(*) FROM account_events'), 0,
        'no account events';
    my $r = $env->req(GET => '/api/v1/staff/accounts');
    is $r->status, 401, 'no token: 401';
    is works('cstaff'), 200, 'cstaff\'s token still works';
};

my $new_id;
subtest 'create, list, update an account' => sub {
    my $r = as(admin => POST => 'accounts', { username => 'judge3',
        name => '冯法官', role => 'judge', department_id => dept_id($env, 'civil'),
        mobile => '13900139000', password => 'Judge3-pass-2026' });
    is $r->status, 201, 'created: 201' or diag $r->summary;
    $new_id = $r->json->{id};
    ok $new_id, 'an id';
    my $row = $env->sql('SELECT * FROM staff WHERE id = ?', $new_id)->[0];
    is_deeply [ @$row{qw(username name role department_id mobile active)} ],
        [ 'judge3', '冯法官', 'judge', dept_id($env, 'civil'), '13900139000', 1 ],
        'stored';
    like $row->{password_hash}, qr/^\$y\$/, 'a yescrypt hash';
    unlike $row->{password_hash}, qr/Judge3-pass/, 'not the password';
    $r = login('judge3', 'Judge3-pass-2026');
    is $r->status, 200, 'the new account logs in';
    is $r->json->{role}, 'judge', '... as a judge';
    is_deeply $r->json->{department},
        { id => dept_id($env, 'civil'), name => '民事审判庭' }, '... of civil';

    $r = as(admin => GET => 'accounts');
    is $r->status, 200, 'list: 200';
    my ($a) = grep { $_->{username} eq 'judge3' } @{ $r->json->{items} };
    is_deeply $a, { id => $new_id, username => 'judge3', name => '冯法官',
        role => 'judge', department_id => dept_id($env, 'civil'),
        mobile => '13900139000', wecom_userid => undef,
        active => JSON::PP::true, locked => JSON::PP::false },
        'listed with its fields';
    is $r->json->{total}, scalar @{ $r->json->{items} }, 'total';
    unlike $r->body, qr/password|\$y\$/, 'no hashes in the list';

    $r = as(admin => PUT => "accounts/$new_id", { name => '冯志远',
        department_id => dept_id($env, 'criminal'), mobile => '13900139001' });
    is $r->status, 200, 'update: 200' or diag $r->summary;
    is_deeply $r->json, { id => $new_id }, '{id}';
    $row = $env->sql('SELECT * FROM staff WHERE id = ?', $new_id)->[0];
    is_deeply [ @$row{qw(name department_id mobile role)} ],
        [ '冯志远', dept_id($env, 'criminal'), '13900139001', 'judge' ],
        'updated; role kept';

    is_deeply $env->sql('SELECT type, actor_staff_id FROM account_events '
        . 'WHERE staff_id = ? ORDER BY id', $new_id),
        [ { type => 'created', actor_staff_id => sid($env, 'admin') },
          { type => 'updated', actor_staff_id => sid($env, 'admin') } ],
        'account events: created, updated, by the admin';

    for my $bad (
        [ 'a taken user name' => { username => 'judge1', name => '重名',
          role => 'judge', department_id => dept_id($env, 'civil'),
          password => 'Long-enough-1' }, 409, 'username' ],
        [ 'a short password' => { username => 'short', name => '短',
          role => 'platform_staff', password => 'short' }, 400, 'password' ],
        [ 'a judge without a department' => { username => 'nodept',
          name => '无部门', role => 'judge', password => 'Long-enough-1' },
          400, 'department_id' ],
        [ 'an unknown role' => { username => 'boss', name => '老板',
          role => 'emperor', password => 'Long-enough-1' }, 400, 'role' ],
        [ 'a bad user name' => { username => '张三', name => '张三',
          role => 'platform_staff', password => 'Long-enough-1' }, 400,
          'username' ],
        [ 'an unknown department' => { username => 'ghost', name => '幽灵',
          role => 'dept_staff', department_id => 999999,
          password => 'Long-enough-1' }, 400, 'department_id' ],
        [ 'a bad mobile' => { username => 'mob', name => '手机',
          role => 'platform_staff', mobile => '12345',
          password => 'Long-enough-1' }, 400, 'mobile' ],
        [ 'an unknown field' => { username => 'extra', name => '多余',
          role => 'platform_staff', password => 'Long-enough-1',
          admin => JSON::PP::true }, 400, 'admin' ],
    ) {
        my ($what, $body, $status, $field) = @$bad;
        $r = as(admin => POST => 'accounts', $body);
        is $r->status, $status, "$what: $status" or diag $r->summary;
        is $r->error_field, $field, "... field $field";
    }
    is $env->sql_one("SELECT COUNT(*) FROM staff WHERE username IN "
        . "('short', 'nodept', 'boss', 'ghost', 'mob', 'extra')"), 0,
        'none of them created';

    $r = as(admin => PUT => 'accounts/999999', { name => '无人' });
    is $r->status, 404, 'update an unknown account: 404';
    $r = as(admin => PUT => 'accounts/abc', { name => '无人' });
    is $r->status, 404, 'update account abc: 404';
    $r = as(admin => POST => 'accounts/999999/password',
        { password => 'Long-enough-1' });
    is $r->status, 404, 'reset the password of an unknown account: 404';
    $r = as(admin => PUT => "accounts/$new_id", { active => 'no' });
    is $r->status, 400, 'active must be a boolean';
    $r = as(admin => POST => "accounts/$new_id/password", { password => 'short' });
    is $r->status, 400, 'a short new password: 400';
};

subtest 'lockout after 5 failed logins; the admin unlocks' => sub {
    my $id = sid($env, 'cstaff');
    for my $i (1 .. 5) {
        my $r = login('cstaff', "wrong-$i");
        is $r->status, 401, "failure $i: 401";
    }
    is $env->sql_one("SELECT failed_logins FROM staff WHERE id = $id"), 5,
        'five failures counted';
    my $until = $env->sql_one("SELECT locked_until FROM staff WHERE id = $id");
    ok defined $until, "locked until $until";
    my $r = login('cstaff', $PW);
    is $r->status, 429, 'then the right password: 429';
    is $r->error_code, 'rate_limited', '... rate_limited';
    $r = login('cstaff', 'wrong-6');
    is $r->status, 429, 'a wrong one: 429 as well';
    is $env->sql_one('SELECT COUNT(*) FROM sessions WHERE staff_id = ?', $id),
        1, 'no session created while locked (only the setup login)';
    is works('cstaff'), 200, 'a token from before the lockout still works';
    # the lock lasts 15 minutes from the failure (docs/api.md)
    my $last = $env->sql_one('SELECT MAX(created_at) FROM sessions');
    ok $until gt $last, 'the lock ends after the last login we made';

    my ($a) = grep { $_->{id} == $id }
        @{ as(admin => GET => 'accounts')->json->{items} };
    ok $a->{locked}, 'the admin sees the account locked';

    # a lock that has run out is no lock: the time is set far in the past
    # (and back) in the database, so nothing waits on the clock
    $env->sql("UPDATE staff SET locked_until = '2020-01-01 00:00:00' "
        . "WHERE id = $id");
    ($a) = grep { $_->{id} == $id }
        @{ as(admin => GET => 'accounts')->json->{items} };
    ok !$a->{locked}, 'an expired lock is not listed as locked';
    $env->sql('UPDATE staff SET locked_until = ? WHERE id = ?', $until, $id);
    is login('cstaff', $PW)->status, 429, 'the lock restored: 429 again';

    $r = as(admin => PUT => "accounts/$id", { active => JSON::PP::true });
    is $r->status, 200, 'PUT active:true: 200';
    is $env->sql_one("SELECT failed_logins FROM staff WHERE id = $id"), 0,
        'failures reset';
    is $env->sql_one("SELECT locked_until FROM staff WHERE id = $id"), undef,
        'unlocked';
    $r = login('cstaff', $PW);
    is $r->status, 200, 'the right password works again';

    # failures that stop short of 5 are forgotten after a success
    login('leader', 'wrong') for 1 .. 4;
    is login('leader', $PW)->status, 200, 'four failures, then success';
    is $env->sql_one("SELECT failed_logins FROM staff WHERE username = 'leader'"),
        0, '... resets the count';
    login('leader', 'wrong') for 1 .. 4;
    is login('leader', $PW)->status, 200, 'four more do not lock';
};

subtest 'logout revokes the token' => sub {
    my $r = login('liaison', $PW);
    my $t = $r->json->{token};
    is works(\$t), 200, 'a fresh token works';
    $r = $env->req(POST => '/api/v1/staff/logout', token => $t);
    is $r->status, 200, 'logout: 200';
    is_deeply $r->json, { revoked => JSON::PP::true }, '{revoked: true}';
    for my $path (qw(tickets canned-answers departments)) {
        $r = $env->req(GET => "/api/v1/staff/$path", token => $t);
        is $r->status, 401, "then GET $path: 401";
        is $r->error_code, 'unauthenticated', '... unauthenticated';
    }
    $r = $env->req(POST => '/api/v1/staff/logout', token => $t);
    is $r->status, 401, 'logout again: 401';
    is works('liaison'), 200, 'the other session of the same person stays';
};

subtest 'a password reset revokes every session' => sub {
    my $id = sid($env, 'judge1b');
    my $second = login('judge1b', $PW)->json->{token};
    is works('judge1b'), 200, 'first session works';
    is works(\$second), 200, 'second session works';
    my $r = as(admin => POST => "accounts/$id/password",
        { password => 'Fresh-pass-2026' });
    is $r->status, 200, 'reset: 200' or diag $r->summary;
    is_deeply $r->json, { ok => JSON::PP::true }, '{ok: true}';
    is works('judge1b'), 401, 'first session revoked';
    is works(\$second), 401, 'second session revoked';
    is $env->sql_one('SELECT COUNT(*) FROM sessions WHERE staff_id = ? '
        . 'AND revoked_at IS NULL', $id), 0, 'no live session row';
    is login('judge1b', $PW)->status, 401, 'the old password: 401';
    $r = login('judge1b', 'Fresh-pass-2026');
    is $r->status, 200, 'the new password: 200';
    is works(\$r->json->{token}), 200, '... and its token works';
    is $env->sql_one("SELECT type FROM account_events WHERE staff_id = $id "
        . 'ORDER BY id DESC LIMIT 1'), 'password_reset', 'audited';
    is works('admin'), 200, 'the admin\'s own session is untouched';
};

subtest 'deactivation revokes; reactivation does not revive tokens' => sub {
    my $id = sid($env, 'judge2');
    my $old = tok($env, 'judge2');
    is works(\$old), 200, 'works before';
    my $r = as(admin => PUT => "accounts/$id", { active => JSON::PP::false });
    is $r->status, 200, 'active:false: 200';
    is works(\$old), 401, 'the token is refused';
    is login('judge2', $PW)->status, 401, 'login refused';
    my ($a) = grep { $_->{id} == $id }
        @{ as(admin => GET => 'accounts')->json->{items} };
    ok !$a->{active}, 'listed inactive';
    my $deps = as(platform => GET => 'departments')->json->{items};
    my ($crim) = grep { $_->{code} eq 'criminal' } @$deps;
    ok !grep({ $_->{id} == $id } @{ $crim->{staff} || [] }),
        'no longer offered for dispatch';
    my $no = new_ticket($env, case => 'criminal')->{ticket_no};
    $r = act($env, 'platform', $no, dispatch => {});
    is $r->status, 400, 'dispatch to the (inactive) case judge: 400';

    $r = as(admin => PUT => "accounts/$id", { active => JSON::PP::true });
    is $r->status, 200, 'active:true: 200';
    is works(\$old), 401, 'the old token stays revoked';
    is login('judge2', $PW)->status, 200, 'login works again';
};

subtest 'departments for dispatch' => sub {
    for my $who (@WHO) {
        my $r = as($who, GET => 'departments');
        is $r->status, 200, "$who: 200";
    }
    my $r = $env->req(GET => '/api/v1/staff/departments');
    is $r->status, 401, 'no token: 401';
    my $items = as(platform => GET => 'departments')->json->{items};
    my ($civil) = grep { $_->{code} eq 'civil' } @$items;
    is $civil->{id}, dept_id($env, 'civil'), 'civil id';
    is $civil->{name}, '民事审判庭', 'name';
    is $civil->{leader_staff_id}, sid($env, 'leader'), 'leader';
    is $civil->{vice_president_staff_id}, sid($env, 'vp'), 'vice president';
    my %staff = map { $_->{id} => $_ } @{ $civil->{staff} };
    is_deeply $staff{ sid($env, 'judge1') },
        { id => sid($env, 'judge1'), name => '李建国', role => 'judge' },
        'judge1 {id, name, role}';
    ok !$staff{ sid($env, 'retired') }, 'inactive staff are left out';
};

subtest 'canned answers' => sub {
    for my $who (@WHO) {
        my $r = as($who, GET => 'canned-answers');
        is $r->status, 200, "$who reads: 200";
    }
    # the starter set (migration, data/canned-answers.tsv)
    my $n0 = as(platform => GET => 'canned-answers')->json->{total};
    ok $n0 >= 30, "the starter set is there ($n0)";
    my %id;
    for my $who (qw(admin filing)) {
        my $r = as($who, POST => 'canned-answers', { category => 'consultation',
            title => "诉讼费 ($who)", body => '诉讼费可通过广州微法院在线缴纳。' });
        is $r->status, 201, "$who writes: 201" or diag $r->summary;
        $id{$who} = $r->json->{id};
    }
    for my $who (qw(platform judge1 cstaff liaison leader vp president)) {
        my @r = (
            as($who, POST => 'canned-answers', { category => 'document',
                title => '文书', body => '正文' }),
            as($who, PUT => "canned-answers/$id{admin}", { category =>
                'document', title => '文书', body => '正文' }),
            as($who, DELETE => "canned-answers/$id{admin}"),
        );
        is_deeply [ map { $_->status } @r ], [ 403, 403, 403 ],
            "$who: create, update, delete: 403";
    }
    my $r = as(platform => GET => 'canned-answers');
    is $r->json->{total}, $n0 + 2, 'two answers more';
    is_deeply [ sort map { $_->{title} } grep { $_->{id} == $id{admin}
        || $_->{id} == $id{filing} } @{ $r->json->{items} } ],
        [ '诉讼费 (admin)', '诉讼费 (filing)' ], 'unchanged by the refusals';

    $r = as(filing => PUT => "canned-answers/$id{admin}", { category =>
        'document', title => '领取文书', body => '请携带身份证到立案庭领取。' });
    is $r->status, 200, 'the filing division updates: 200';
    $r = as(judge1 => GET => 'canned-answers?category=document');
    my @doc = @{ $r->json->{items} };
    is scalar(grep { $_->{category} ne 'document' } @doc), 0,
        'filtered by category';
    my ($it) = grep { $_->{id} == $id{admin} } @doc;
    ok !$it->{auto}, '... not automatic unless told';
    delete $it->{auto};
    is_deeply $it, { id => $id{admin}, code => undef, category => 'document',
        title => '领取文书', body => '请携带身份证到立案庭领取。',
        keywords => '' }, '... the updated answer';
    $r = as(judge1 => GET => 'canned-answers?category=nonsense');
    is $r->status, 400, 'an unknown category: 400';

    $r = as(admin => DELETE => "canned-answers/$id{filing}");
    is $r->status, 200, 'delete: 200';
    $r = as(platform => GET => 'canned-answers');
    is $r->json->{total}, $n0 + 1, 'deleted ones are not offered';
    $r = as(admin => DELETE => "canned-answers/$id{filing}");
    is $r->status, 404, 'delete again: 404';
    $r = as(admin => PUT => 'canned-answers/999999', { category => 'document',
        title => 't', body => 'b' });
    is $r->status, 404, 'update an unknown one: 404';
    for my $bad ([ { category => 'x', title => 't', body => 'b' }, 'category' ],
                 [ { category => 'document', body => 'b' }, 'title' ],
                 [ { category => 'document', title => 't' }, 'body' ],
                 [ { category => 'document', title => 'x' x 51, body => 'b' },
                   'title' ],
                 [ { category => 'document', title => 't', body => 'b', y => 1 },
                   'y' ],
                 [ { category => 'document', title => 't', body => 'b',
                     keywords => '生效证明;;开' }, 'keywords' ],
                 [ { category => 'document', title => 't', body => 'b',
                     keywords => '!生效' }, 'keywords' ],
                 [ { category => 'document', title => 't', body => 'b',
                     keywords => 7 }, 'keywords' ],
                 [ { category => 'document', title => 't', body => 'b',
                     auto => 'yes' }, 'auto' ],
                 [ { category => 'document', title => 't', body => 'b',
                     auto => JSON::PP::true }, 'keywords' ],
                 [ { category => 'document', title => 't', body => 'b',
                     keywords => '', auto => JSON::PP::true }, 'keywords' ]) {
        $r = as(admin => POST => 'canned-answers', $bad->[0]);
        is $r->status, 400, "bad canned answer: 400 ($bad->[1])";
        is $r->error_field, $bad->[1], "... field $bad->[1]";
    }
    $r = as(admin => POST => 'canned-answers', { category => 'document',
        title => 't', body => 'b', keywords => '生效证明;;开' });
    like $r->json->{error}{message}, qr/第 2 组关键词为空/,
        'a keyword error says what is wrong';
};

done_testing;
