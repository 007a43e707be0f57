import assert from 'node:assert/strict'
import { test } from 'node:test'
import { settingStatement, startupSettings } from './startup-settings.ts'

const params = (entries: Record<string, string>) => new Map(Object.entries(entries))

test('startup parameters and -c switches of options become settings; user and database do not', () => {
  const r = startupSettings(
    params({
      user: 'u',
      database: 'd',
      application_name: 'psql',
      options: '-c search_path=a,b --lock-timeout=1s -cstatement_timeout=5 -c x.y=two\\ words',
      replication: 'false',
    }),
  )
  assert.deepEqual(r, {
    settings: [
      { name: 'application_name', value: 'psql', via: 'parameter' },
      { name: 'search_path', value: 'a,b', via: 'options' },
      { name: 'lock_timeout', value: '1s', via: 'options' },
      { name: 'statement_timeout', value: '5', via: 'options' },
      { name: 'x.y', value: 'two words', via: 'options' },
    ],
  })
})

test('other server switches, replication and odd names are refused, naming the parameter', () => {
  assert.equal((startupSettings(params({ options: '-d 5' })) as { parameter: string }).parameter, 'options')
  assert.equal((startupSettings(params({ options: '-c' })) as { parameter: string }).parameter, 'options')
  assert.equal(
    (startupSettings(params({ replication: 'database' })) as { parameter: string }).parameter,
    'replication',
  )
  assert.equal((startupSettings(params({ 'a;b': '1' })) as { parameter: string }).parameter, 'a;b')
  assert.ok('refused' in startupSettings(params({ application_name: 'x'.repeat(5000) })))
})

test('each setting is the SET it amounts to; search_path split as the server splits the list', () => {
  const s = (name: string, value: string) => settingStatement({ name, value, via: 'parameter' })
  assert.equal(s('DateStyle', "ISO, MDY'"), `SET "datestyle" TO 'ISO, MDY'''`)
  assert.equal(s('app.Tenant', '7'), `SET "app"."tenant" TO '7'`)
  assert.equal(s('search_path', ' Foo , "Bar""x",$user'), 'SET "search_path" TO "foo", "Bar""x", "$user"')
  assert.equal(s('search_path', ''), `SET "search_path" TO ''`)
  assert.equal(s('search_path', 'a,,b'), `SET "search_path" TO 'a,,b'`)
})
