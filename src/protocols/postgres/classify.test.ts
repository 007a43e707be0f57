import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import type { Action } from '../../core/index.ts'
import { classifySql, classifySqlWithEffects, loadSqlParser } from './classify.ts'

before(async () => {
  await loadSqlParser()
})

const needsOf = (a: Action) => a.needs.map((e) => `${e.verb}:${e.object}`).sort()

/** Asserts the needs exactly (order-free) and that `traits` are present; `!trait` means absent. */
function expectAction(sql: string, needs: string[], traits: string[] = [], kind?: string): Action {
  const a = classifySql(sql)
  assert.equal(a.unclassified, undefined, `${sql}: ${a.unclassified}`)
  assert.deepEqual(needsOf(a), [...needs].sort(), sql)
  for (const t of traits) {
    if (t.startsWith('!'))
      assert.ok(!a.traits.includes(t.slice(1)), `${sql}: unexpected ${t.slice(1)} in ${a.traits}`)
    else assert.ok(a.traits.includes(t), `${sql}: missing ${t} in ${a.traits}`)
  }
  if (kind) assert.equal(a.kind, kind)
  assert.equal(a.protocol, 'postgres')
  assert.equal(a.text, sql)
  return a
}

function expectUnclassified(sql: string, reason: RegExp, lookup?: (n: string) => Action | undefined): void {
  const a = classifySql(sql, lookup)
  assert.match(a.unclassified ?? '', reason, sql)
}

describe('reads', () => {
  test('tables in FROM, JOIN, subqueries, set operations and table functions', () => {
    expectAction('SELECT * FROM invoices', ['select:public.invoices'], ['read-only'], 'SelectStmt')
    expectAction(
      'select a from billing.invoices i join customers c on c.id = i.cid left join lateral (select 1 from notes n where n.i = i.id) x on true where i.id in (select id from paid) and exists (select 1 from audit)',
      [
        'select:billing.invoices',
        'select:public.customers',
        'select:public.notes',
        'select:public.paid',
        'select:public.audit',
      ],
      ['read-only'],
    )
    expectAction('select (select max(x) from s.t) from u', [
      'select:s.t',
      'select:public.u',
      'execute:pg_catalog.max',
    ])
    expectAction('select 1 union select a from t except (select b from s.u)', [
      'select:public.t',
      'select:s.u',
    ])
    expectAction('TABLE t', ['select:public.t'])
    expectAction('values (1), (2)', [], ['read-only'])
    expectAction('select * from generate_series(1, 3) g, lateral s.f(g)', [
      'execute:pg_catalog.generate_series',
      'execute:s.f',
    ])
  })

  test('names: case folding, quoted identifiers keep their case, schema qualification', () => {
    expectAction('SELECT * FROM Billing.Invoices', ['select:billing.invoices'])
    expectAction('select * from "Billing"."Invoices"', ['select:"Billing"."Invoices"'])
    expectAction('select * from "billing"."invoices"', ['select:billing.invoices'])
    expectAction('select * from "a.b"', ['select:public."a.b"'])
    expectAction('select * from "x*"', ['select:public."x*"'])
    expectAction('select * from mydb.s.t', ['select:s.t'])
  })

  test('unqualified pg_* names may be catalogs: both schemas are needed', () => {
    expectAction('select * from pg_stat_activity', [
      'select:pg_catalog.pg_stat_activity',
      'select:public.pg_stat_activity',
    ])
    expectAction('select * from pg_catalog.pg_class', ['select:pg_catalog.pg_class'])
  })

  test('an unqualified catalog relation every server has is read as the catalog; nothing may take its name', () => {
    // pg_catalog is searched before search_path: `pg_tables` is pg_catalog.pg_tables (agents ask it first).
    expectAction('select tablename from pg_tables', ['select:pg_catalog.pg_tables'])
    expectAction('select * from pg_views v join pg_class c on c.relname = v.viewname', [
      'select:pg_catalog.pg_class',
      'select:pg_catalog.pg_views',
    ])
    // Version-dependent ones keep both schemas (PostgreSQL 14 has no pg_parameter_acl in pg_catalog).
    expectAction('select * from pg_parameter_acl', [
      'select:pg_catalog.pg_parameter_acl',
      'select:public.pg_parameter_acl',
    ])
    // A temporary schema is searched even before pg_catalog, and a moved search_path may put any schema
    // first: an object that could answer to a catalog relation's name is refused, whatever the grant.
    for (const sql of [
      'CREATE TEMP VIEW pg_views AS SELECT ssn FROM people',
      'CREATE TEMP TABLE pg_class (a int)',
      'CREATE TABLE pg_temp.pg_tables (a int)',
      'SELECT * INTO TEMP pg_user FROM people',
      'CREATE VIEW public.pg_views AS SELECT 1',
      'CREATE TABLE pg_roles (a int)',
    ])
      expectUnclassified(sql, /may not be named pg_/)
    expectUnclassified('ALTER TABLE pg_temp.x RENAME TO pg_views', /may not be renamed to pg_views/)
    expectUnclassified('ALTER VIEW x RENAME TO pg_tables', /may not be renamed to pg_tables/)
    expectAction('CREATE TEMP TABLE scratch (a int)', ['create:pg_temp.scratch'])
  })

  test('bypass families: comments, whitespace, case and dollar quoting do not hide a table', () => {
    const want = ['delete:public.secrets', 'select:public.secrets']
    expectAction('DeLeTe/**/FROM/* x */secrets--c\nWHERE id=1', want)
    expectAction('delete from /* outer /* nested */ still */ secrets where id = 1', want)
    expectAction('\n\t delete\n from\n secrets\n where id = $$1$$', want)
    expectAction("delete from secrets where id = E'\\'' or id = $tag$ ; drop table x $tag$", want)
    expectAction('select 1 -- ; delete from secrets\n', [])
  })

  test('SELECT ... FOR UPDATE is a row lock, not read-only; lockedRels are not tables', () => {
    expectAction('select * from t as x for update of x', ['select:public.t'], ['row-lock', '!read-only'])
  })
})

describe('CTEs', () => {
  test('a CTE name shadows a table inside its query but not a schema-qualified name', () => {
    expectAction('with x as (select * from t) select * from x', ['select:public.t'])
    expectAction('with x as (select 1) select * from public.x, x', ['select:public.x'])
    expectAction('with a as (select * from b), b as (select 1) select * from a', ['select:public.b'])
    expectAction('with recursive r as (select 1 union all select * from r) select * from r', [])
    expectAction('select * from (with x as (select 1) select * from x) s, x', ['select:public.x'])
  })

  test('data-modifying CTEs are writes on their target', () => {
    expectAction(
      'WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d',
      ['delete:public.t', 'select:public.t'],
      ['writes', 'unbounded-write', '!read-only'],
    )
    expectAction(
      'with u as (update s.t set a = 1 where id = 2 returning id) insert into log select * from u',
      ['update:s.t', 'select:s.t', 'insert:public.log'],
    )
  })

  test('a CTE cannot stand in for the target of a write', () => {
    expectAction('with t as (select 1) delete from t where id = 1', ['delete:public.t', 'select:public.t'])
  })
})

describe('writes', () => {
  test('INSERT, INSERT ... SELECT, ON CONFLICT, RETURNING', () => {
    expectAction(
      'insert into t (a) values (1)',
      ['insert:public.t'],
      ['writes', '!unbounded-write'],
      'InsertStmt',
    )
    expectAction('insert into s.t select * from u', ['insert:s.t', 'select:public.u'])
    expectAction('insert into t values (1) on conflict (a) do update set b = 2', [
      'insert:public.t',
      'update:public.t',
      'select:public.t',
    ])
    expectAction('insert into t values (1) returning *', ['insert:public.t', 'select:public.t'])
  })

  test('UPDATE ... FROM and DELETE ... USING read the other tables', () => {
    expectAction('update t set a = u.a from u where t.id = u.id', [
      'update:public.t',
      'select:public.t',
      'select:public.u',
    ])
    expectAction('delete from t using u where t.id = u.id', [
      'delete:public.t',
      'select:public.t',
      'select:public.u',
    ])
    expectAction('update t set a = (select max(b) from v) where id = 1', [
      'update:public.t',
      'select:public.t',
      'select:public.v',
      'execute:pg_catalog.max',
    ])
  })

  test('MERGE needs each action it can take on the target and reads the source', () => {
    expectAction(
      'merge into t using s on t.id = s.id when matched then update set a = 1 when not matched then insert values (1)',
      ['update:public.t', 'insert:public.t', 'select:public.t', 'select:public.s'],
      ['writes', '!unbounded-write'],
    )
    expectAction(
      'merge into t using s on true when matched then delete',
      ['delete:public.t', 'select:public.t', 'select:public.s'],
      ['unbounded-write'],
    )
  })

  test('unbounded-write: no WHERE, or a WHERE that reads no column', () => {
    for (const where of [
      '',
      'where true',
      'where 1=1',
      "where 'a'='a'",
      'where not false',
      'where x is not null or true',
      'where 1=2',
      'where (1=1)::bool',
      'where id = id',
      'where id + 1 = id + 2',
      'where not (id <> id)',
      'where exists (select 1)',
      'where id is not null',
      'where v is distinct from null or v is null',
      'where not (id is null)',
      'where null is distinct from id',
    ]) {
      expectAction(
        `delete from t ${where}`,
        where ? ['delete:public.t', 'select:public.t'] : ['delete:public.t'],
        ['unbounded-write'],
      )
      expectAction(
        `update t set a = 1 ${where}`,
        where ? ['update:public.t', 'select:public.t'] : ['update:public.t'],
        ['unbounded-write'],
      )
    }
    for (const where of [
      'where id = 1',
      'where id = 1 and true',
      'where id in (1, 2)',
      'where current of c',
      'where x is not null and id = 1',
      'where x is null',
    ]) {
      expectAction(`delete from t ${where}`, ['delete:public.t', 'select:public.t'], ['!unbounded-write'])
    }
  })

  test('TRUNCATE is destructive and unbounded', () => {
    expectAction(
      'truncate a, s.b',
      ['truncate:public.a', 'truncate:s.b'],
      ['destructive-ddl', 'writes', 'unbounded-write'],
    )
  })
})

describe('functions', () => {
  test('every call needs execute; SQL-syntax built-ins do not', () => {
    expectAction(
      'select lower(name), s.f(1) from t',
      ['select:public.t', 'execute:pg_catalog.lower', 'execute:s.f'],
      ['function-call'],
    )
    expectAction("select extract(year from now()), 'x' at time zone 'utc'", ['execute:pg_catalog.now'])
    expectAction('call s.proc(1)', ['execute:s.proc'], ['!read-only'], 'CallStmt')
    expectAction("select nextval('seq')", ['execute:pg_catalog.nextval'], ['writes', '!read-only'])
  })

  test('dangerous built-ins carry traits', () => {
    expectAction("select pg_read_file('/etc/passwd')", ['execute:pg_catalog.pg_read_file'], ['server-file'])
    expectAction('select pg_reload_conf()', ['execute:pg_catalog.pg_reload_conf'], ['system-change'])
    expectAction(
      "select query_to_xml('select * from secrets', true, true, '')",
      ['execute:pg_catalog.query_to_xml'],
      ['dynamic-sql', '!read-only'],
    )
    expectAction(
      "select set_config('role', 'admin', false)",
      ['execute:pg_catalog.set_config', 'set:role'],
      ['system-change', 'role-change'],
    )
    expectAction(
      "select set_config('search_path', 'evil', false)",
      ['execute:pg_catalog.set_config', 'set:search_path'],
      ['search-path-change', '!role-change'],
    )
    expectAction(
      "select set_config('app.tenant', '42', true)",
      ['execute:pg_catalog.set_config', 'set:app.tenant'],
      ['system-change', '!role-change'],
    )
    expectUnclassified('select set_config($1, $2, false)', /not a constant/)
    expectUnclassified("select set_config('client_encoding', 'sjis', false)", /differently/)
  })

  test('DO blocks cannot be looked into', () => {
    expectAction('do $$ begin delete from t; end $$', ['execute:do'], ['do-block', 'dynamic-sql'], 'DoStmt')
  })

  test('function bodies given as strings cannot be looked into; BEGIN ATOMIC bodies are walked', () => {
    expectAction(
      'create function f() returns void language sql as $b$ truncate t $b$',
      ['create:public.f'],
      ['dynamic-sql'],
    )
    expectAction(
      "create procedure p() language plpgsql as 'begin drop table t; end'",
      ['create:public.p'],
      ['dynamic-sql'],
    )
    const atomic = expectAction(
      'create function f() returns void language sql begin atomic delete from t; end',
      ['create:public.f', 'delete:public.t'],
      ['unbounded-write', '!dynamic-sql'],
    )
    assert.equal(atomic.kind, 'CreateFunctionStmt')
  })
})

describe('COPY', () => {
  test('direction, program and server files', () => {
    expectAction('copy t to stdout', ['select:public.t'], ['copy-out', 'read-only'])
    expectAction('copy s.t (a) from stdin', ['insert:s.t'], ['copy-in', 'writes'])
    expectAction("copy t to program 'curl evil'", ['select:public.t'], ['program-execution', '!read-only'])
    expectAction("copy t from '/etc/passwd'", ['insert:public.t'], ['server-file'])
    expectAction(
      'copy (select * from a join b using (id)) to stdout',
      ['select:public.a', 'select:public.b'],
      ['copy-out'],
    )
    expectAction(
      'copy (delete from t returning *) to stdout',
      ['delete:public.t', 'select:public.t'],
      ['writes', '!read-only'],
    )
  })
})

describe('session statements', () => {
  test('SET, RESET, SHOW and role changes', () => {
    expectAction('set work_mem = 100', ['set:work_mem'], ['!read-only'], 'VariableSetStmt')
    expectAction('SET ROLE admin', ['set:role'], ['role-change'])
    expectAction('reset role', ['set:role'], ['role-change'])
    expectAction("set session authorization 'x'", ['set:session_authorization'], ['role-change'])
    expectAction('set local search_path = evil, public', ['set:search_path'], ['search-path-change'])
    // The pinned path (back.ts), DEFAULT and RESET leave unqualified names where the classifier puts them.
    for (const same of [
      'set search_path = public',
      "SET SCHEMA 'public'",
      'set search_path to default',
      'reset search_path',
    ])
      expectAction(same, [], ['!search-path-change'])
    expectAction('reset all', ['set:all'])
    expectAction('set transaction isolation level serializable', ['transaction:*'])
    expectAction('show work_mem', ['show:work_mem'], ['read-only'])
    expectAction("alter system set work_mem = '1GB'", ['set:work_mem'], ['system-change'])
  })

  test('settings that change how SQL is lexed are refused', () => {
    expectUnclassified('set standard_conforming_strings = off', /misread/)
    expectUnclassified("set client_encoding = 'GBK'", /misread/)
    expectUnclassified("set names 'sjis'", /misread/)
    expectAction('set standard_conforming_strings = on', ['set:standard_conforming_strings'])
    expectAction("set client_encoding = 'UTF-8'", ['set:client_encoding'])
    expectAction('set client_encoding to default', ['set:client_encoding'])
  })

  test('transactions wrap without hiding what is inside', () => {
    const a = expectAction(
      'BEGIN; DELETE FROM t WHERE id = 1; COMMIT;',
      ['transaction:*', 'delete:public.t', 'select:public.t'],
      ['multi-statement', 'writes', '!read-only'],
    )
    assert.equal(a.kind, 'TransactionStmt;DeleteStmt;TransactionStmt')
    expectAction(
      'start transaction read only; select 1 from t; savepoint a; rollback to a; end',
      ['transaction:*', 'select:public.t'],
      ['read-only'],
    )
  })

  test('LISTEN, NOTIFY, UNLISTEN, DISCARD, VACUUM, ANALYZE, LOCK', () => {
    expectAction('listen jobs', ['listen:jobs'], ['read-only'])
    expectAction("notify jobs, 'x'", ['notify:jobs'], ['!read-only'])
    expectAction('unlisten *', ['unlisten:*'])
    expectAction('discard all', ['discard:all'])
    expectAction('vacuum analyze a, s.b', ['vacuum:public.a', 'vacuum:s.b'])
    expectAction('analyze', ['analyze:*'])
    expectAction('lock table t in access share mode', ['select:public.t'], ['table-lock'])
    expectAction('lock t', ['update:public.t'], ['table-lock'])
  })

  test('cursors: DECLARE classifies its query; FETCH and CLOSE need nothing more', () => {
    expectAction('declare c cursor for select * from t', ['select:public.t'], ['read-only'])
    expectAction('fetch 10 from c; close c', [], ['read-only'])
  })
})

describe('EXPLAIN and prepared statements', () => {
  test('EXPLAIN classifies its statement; ANALYZE runs it', () => {
    expectAction('explain select * from t', ['select:public.t'], ['read-only', '!explain-analyze'])
    expectAction(
      'explain analyze delete from t where id = 1',
      ['delete:public.t', 'select:public.t'],
      ['explain-analyze', 'writes'],
    )
    expectAction(
      'explain (analyze false, costs off) delete from t where id = 1',
      ['delete:public.t', 'select:public.t'],
      ['explain-analyze'],
    )
  })

  test('PREPARE carries its statement; EXECUTE resolves through the session', () => {
    const prep = classifySqlWithEffects('PREPARE p (int) AS DELETE FROM t WHERE id = $1')
    assert.deepEqual(needsOf(prep.action), ['delete:public.t', 'select:public.t'])
    assert.equal(prep.prepared.length, 1)
    assert.equal(prep.prepared[0]!.name, 'p')
    assert.equal(prep.prepared[0]!.action.kind, 'DeleteStmt')
    const session = new Map([['p', prep.prepared[0]!.action]])
    const exec = classifySql('execute p(1)', (n) => session.get(n))
    assert.equal(exec.unclassified, undefined)
    assert.deepEqual(needsOf(exec), ['delete:public.t', 'select:public.t'])
    assert.ok(exec.traits.includes('writes') && !exec.traits.includes('read-only'))
    expectUnclassified('execute p(1)', /not known/)
    expectUnclassified('execute q', /not known/, (n) => session.get(n))
    const params = classifySql('execute p((select max(x) from secrets))', (n) => session.get(n))
    assert.ok(needsOf(params).includes('select:public.secrets'))
  })

  test('PREPARE and EXECUTE in one string; DEALLOCATE and DISCARD ALL are reported', () => {
    const both = classifySql('prepare p as select * from t; execute p')
    assert.equal(both.unclassified, undefined)
    assert.deepEqual(needsOf(both), ['select:public.t'])
    assert.deepEqual(classifySqlWithEffects('deallocate p').deallocated, ['p'])
    assert.deepEqual(classifySqlWithEffects('deallocate all').deallocated, ['*'])
    assert.deepEqual(classifySqlWithEffects('discard all').deallocated, ['*'])
  })
})

describe('DDL, privileges and roles', () => {
  test('create, alter, drop', () => {
    expectAction(
      'create table s.t (a int references o, like l) inherits (p)',
      ['create:s.t', 'references:public.o', 'select:public.l', 'alter:public.p'],
      ['ddl', '!destructive-ddl', '!read-only'],
    )
    expectAction('create temp table x (a int)', ['create:pg_temp.x'], ['ddl'])
    expectAction(
      'create table n as select * from u',
      ['create:public.n', 'select:public.u'],
      ['ddl', 'writes'],
    )
    expectAction('select * into n from u', ['create:public.n', 'select:public.u'], ['ddl', 'writes'])
    expectAction('create view v as select * from secret', ['create:public.v', 'select:public.secret'])
    expectAction('create index i on s.t (lower(a))', ['alter:s.t', 'execute:pg_catalog.lower'])
    expectAction('alter table t add column c int, add foreign key (c) references s.o (id)', [
      'alter:public.t',
      'references:s.o',
    ])
    expectAction('alter table t drop column c', ['alter:public.t'], ['destructive-ddl'])
    expectAction('alter table t disable row level security', ['alter:public.t'], ['privilege-change'])
    expectAction('alter table t rename to u', ['alter:public.t'])
    expectAction('drop table a, s.b cascade', ['drop:public.a', 'drop:s.b'], ['ddl', 'destructive-ddl'])
    expectAction('drop schema billing cascade', ['drop:billing.*'], ['destructive-ddl'])
    expectAction('drop function s.f(int)', ['drop:s.f'])
    expectAction('drop policy p on s.t', ['alter:s.t'], ['privilege-change'])
    expectAction('create schema s create table x (a int)', ['create:s.*', 'create:public.x'])
    expectAction(
      "create function s.f() returns int language sql security definer as 'select 1'",
      ['create:s.f'],
      ['privilege-change'],
    )
    expectAction('create function f() returns int begin atomic select 1 from t; end', [
      'create:public.f',
      'select:public.t',
    ])
    expectAction('create trigger tr before insert on s.t for each row execute function s.g()', [
      'alter:s.t',
      'execute:s.g',
    ])
    expectAction("comment on table s.t is 'x'", ['alter:s.t'])
    expectAction('create extension hstore', ['create:*'], ['system-change'])
  })

  test('GRANT, REVOKE, default privileges and roles', () => {
    expectAction('grant select on t, s.u to bob', ['grant:public.t', 'grant:s.u'], ['privilege-change'])
    expectAction('grant select on all tables in schema s to bob', ['grant:s.*'], ['privilege-change'])
    expectAction('revoke all on schema s from bob', ['grant:s.*'], ['privilege-change'])
    expectAction('grant connect on database d to bob', ['grant:*'], ['privilege-change'])
    expectAction('grant admin to bob', ['role:admin'], ['privilege-change', 'role-change'])
    expectAction(
      'alter default privileges in schema s grant select on tables to bob',
      ['grant:*'],
      ['privilege-change'],
    )
    expectAction("create role x login password 'y'", ['role:x'], ['role-change', 'contains-secret'])
    expectAction('alter user x with superuser', ['role:x'], ['role-change'])
    expectAction('alter role current_user set search_path = a', ['role:*'], ['role-change'])
    expectAction('drop role x, y', ['role:x', 'role:y'], ['role-change', 'destructive-ddl'])
  })
})

describe('fail closed', () => {
  test('parse errors, unknown statement kinds, NUL and the empty string', () => {
    expectUnclassified('selec 1', /does not parse/)
    expectUnclassified('create database d', /CreatedbStmt/)
    expectUnclassified('select 1; checkpoint', /CheckPointStmt/)
    expectUnclassified('create rule r as on select to t do instead select 1', /RuleStmt/)
    expectUnclassified('select 1\u0000; drop table t', /NUL/)
    const empty = classifySql('  -- nothing\n')
    assert.equal(empty.unclassified, undefined)
    assert.deepEqual(empty.needs, [])
    assert.equal(classifySql('').kind, 'EmptyQuery')
  })

  test('string continuation across a -- comment: the server joins it, libpg-query refuses it (fail closed)', () => {
    expectUnclassified("select 'a' -- c\n'b'", /does not parse/)
  })

  test('a multi-statement string is unclassified when any part is', () => {
    const a = classifySql('select * from t; create database x')
    assert.match(a.unclassified ?? '', /CreatedbStmt/)
    assert.ok(!a.traits.includes('read-only'))
  })

  test('a tree too deep to walk fails closed instead of throwing', () => {
    const deep = `select ${'('.repeat(3000)}1${')'.repeat(3000)}`
    const a = classifySql(deep)
    assert.equal(typeof a.kind, 'string')
  })
})

describe('nested statement kinds', () => {
  test('every statement kind met anywhere is a stmt: trait, so kind guardrails cannot be stepped around', async () => {
    await loadSqlParser()
    const cte = classifySql('with d as (delete from t where id = 1 returning *) select * from d')
    assert.ok(cte.traits.includes('stmt:DeleteStmt'), cte.traits.join(','))
    const prepare = classifySqlWithEffects('prepare p as delete from t where id = $1')
    const execute = classifySql(
      'execute p(1)',
      (name) => prepare.prepared.find((p) => p.name === name)?.action,
    )
    assert.ok(execute.traits.includes('stmt:DeleteStmt'), execute.traits.join(','))
    assert.ok(classifySql('explain analyze delete from t where id = 2').traits.includes('stmt:DeleteStmt'))
  })
})
