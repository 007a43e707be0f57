import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseConfigText } from './load.ts'
import { oidcSettings } from './schema.ts'

const oidc = 'issuer: https://idp.example.com, audience: taskgate, clientId: cli'
const saml = `kind: saml, id: corp, entryPoint: https://idp.example.com/sso, idpIssuer: https://idp.example.com,
        idpCertFile: idp.crt, spPrivateKey: { file: sp.key }, spCertFile: sp.crt`

test('identity.oidc keeps working, and is the same as a `kind: oidc` provider', () => {
  const old = parseConfigText(`identity:\n  oidc: { ${oidc} }\n`, 'a.yaml')
  const listed = parseConfigText(
    `identity:\n  providers:\n    - { kind: oidc, id: corp-oidc, ${oidc} }\n`,
    'a.yaml',
  )
  assert.deepEqual(oidcSettings(old.identity), oidcSettings(listed.identity))
  assert.equal(oidcSettings(listed.identity)?.issuer, 'https://idp.example.com')
})

test('an OIDC issuer written both ways is an error that says how to keep one', () => {
  assert.throws(
    () =>
      parseConfigText(
        `identity:\n  oidc: { ${oidc} }\n  providers:\n    - { kind: oidc, id: corp-oidc, ${oidc} }\n`,
        'a.yaml',
      ),
    /identity: identity\.oidc and a `kind: oidc` entry in identity\.providers both name an OIDC issuer: keep one/,
  )
})

test('several SAML providers with OIDC side by side; a SAML provider needs identity.tokenSigningKey', () => {
  const config = parseConfigText(
    `identity:
  oidc: { ${oidc} }
  tokenSigningKey: { env: TASKGATE_TOKEN_KEY }
  providers:
    - { ${saml} }
    - { ${saml.replace('id: corp', 'id: partner')} }
`,
    'a.yaml',
  )
  assert.deepEqual(
    config.identity.providers.map((p) => p.id),
    ['corp', 'partner'],
  )
  assert.throws(
    () => parseConfigText(`identity:\n  providers:\n    - { ${saml} }\n`, 'a.yaml'),
    /identity\.tokenSigningKey: identity\.tokenSigningKey is required with a SAML provider/,
  )
  assert.throws(
    () =>
      parseConfigText(
        `identity:\n  tokenSigningKey: { env: K }\n  providers:\n    - { ${saml} }\n    - { ${saml} }\n`,
        'a.yaml',
      ),
    /provider ids must be unique/,
  )
})
