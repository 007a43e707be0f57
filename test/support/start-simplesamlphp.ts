// A real SAML 2.0 IdP for tests: Debian's simplesamlphp (1.19) under PHP's built-in server, with a config
// directory written here: exampleauth:UserPass users with group attributes, a hosted IdP signing with a
// key generated per run, and the SP (taskgate) registered from what the test passes. Metadata files are
// read on every request, so a test may re-register the SP (setSp) while the IdP runs.
import { execFileSync, spawn } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.ts'

export { freePort }

const SIMPLESAMLPHP_WWW = '/usr/share/simplesamlphp/www'

export interface IdpUser {
  username: string
  password: string
  attributes: Record<string, string[]>
}

export interface SpRegistration {
  entityId: string
  acsUrl: string
  /** PEM certificate the SP signs AuthnRequests with: the IdP refuses unsigned or badly signed ones. */
  certPem: string
  /** NotOnOrAfter of its assertions, seconds after issue (the IdP's default is 300). */
  assertionLifetimeSeconds?: number
  /** Send a transient NameID (a new random one each sign-in), the IdP's default, instead of the uid. */
  transientNameId?: boolean
}

export interface RunningIdp extends AsyncDisposable {
  url: string
  entityId: string
  ssoUrl: string
  certFile: string
  /** Replaces the registered service providers. */
  setSp(...sps: SpRegistration[]): Promise<void>
}

/** A self-signed RSA key and certificate, PEM, made by openssl. */
export async function makeKeyPair(dir: string, name: string): Promise<{ keyFile: string; certFile: string }> {
  const keyFile = join(dir, `${name}.key`)
  const certFile = join(dir, `${name}.crt`)
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    ],
    { stdio: 'ignore' },
  )
  return { keyFile, certFile }
}

/** `signing`: the IdP's key pair when the SP must know its certificate before the IdP starts. */
export async function startSimpleSamlPhp(
  users: IdpUser[],
  sp: SpRegistration,
  options: { port?: number; signing?: { keyFile: string; certFile: string } } = {},
): Promise<RunningIdp> {
  const dir = await mkdtemp(join(tmpdir(), 'tg-ssp-'))
  for (const sub of ['cert', 'metadata', 'log', 'data', 'tmp']) await mkdir(join(dir, sub))
  if (options.signing) {
    await copyFile(options.signing.keyFile, join(dir, 'cert', 'idp.key'))
    await copyFile(options.signing.certFile, join(dir, 'cert', 'idp.crt'))
  } else {
    await makeKeyPair(join(dir, 'cert'), 'idp')
  }
  const listenPort = options.port ?? (await freePort())
  const url = `http://127.0.0.1:${listenPort}`
  const entityId = `${url}/saml2/idp/metadata.php`
  const secret = Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2)
  await writeFile(
    join(dir, 'config.php'),
    `<?php
$config = [
  'baseurlpath' => '${url}/',
  'certdir' => ${php(`${dir}/cert/`)},
  'loggingdir' => ${php(`${dir}/log/`)},
  'datadir' => ${php(`${dir}/data/`)},
  'tempdir' => ${php(`${dir}/tmp`)},
  'metadatadir' => ${php(`${dir}/metadata/`)},
  'technicalcontact_name' => 'taskgate tests',
  'technicalcontact_email' => 'tests@example.com',
  'timezone' => 'UTC',
  'secretsalt' => ${php(secret)},
  'auth.adminpassword' => ${php(secret)},
  'admin.protectindexpage' => false,
  'admin.protectmetadata' => false,
  'logging.level' => SimpleSAML\\Logger::WARNING,
  'logging.handler' => 'file',
  'enable.saml20-idp' => true,
  'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true, 'admin' => false],
  'session.cookie.secure' => false,
  'session.phpsession.savepath' => ${php(`${dir}/tmp`)},
  'store.type' => 'phpsession',
  'language.default' => 'en',
];
`,
  )
  const accounts = users
    .map((u) => `    ${php(`${u.username}:${u.password}`)} => ${phpAttributes(u.attributes)},`)
    .join('\n')
  await writeFile(
    join(dir, 'authsources.php'),
    `<?php
$config = [
  'admin' => ['core:AdminPassword'],
  'test-users' => [
    'exampleauth:UserPass',
${accounts}
  ],
];
`,
  )
  await writeFile(
    join(dir, 'metadata', 'saml20-idp-hosted.php'),
    `<?php
$metadata['__DYNAMIC:1__'] = [
  'host' => '__DEFAULT__',
  'privatekey' => 'idp.key',
  'certificate' => 'idp.crt',
  'auth' => 'test-users',
  'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
];
`,
  )
  const setSp = async (...registrations: SpRegistration[]) => {
    await writeFile(
      join(dir, 'metadata', 'saml20-sp-remote.php'),
      `<?php\n${registrations.map(spMetadata).join('\n')}`,
    )
  }
  await setSp(sp)
  // opcache off: it would keep a metadata file compiled for up to revalidate_freq seconds after setSp rewrote it.
  const child = spawn(
    'php',
    [
      '-d',
      'opcache.enable=0',
      '-d',
      'opcache.enable_cli=0',
      '-S',
      `127.0.0.1:${listenPort}`,
      '-t',
      SIMPLESAMLPHP_WWW,
    ],
    {
      env: { ...process.env, SIMPLESAMLPHP_CONFIG_DIR: dir },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 20_000) stderr += chunk.toString()
  })
  const deadline = Date.now() + 30_000
  for (;;) {
    const ok = await fetch(`${url}/saml2/idp/metadata.php`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      const log = await readFile(join(dir, 'log', 'simplesamlphp.log'), 'utf8').catch(() => '')
      throw new Error(`simplesamlphp did not start on ${url}: ${stderr.slice(-2000)} ${log.slice(-2000)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    url,
    entityId,
    ssoUrl: `${url}/saml2/idp/SSOService.php`,
    certFile: join(dir, 'cert', 'idp.crt'),
    setSp,
    async [Symbol.asyncDispose]() {
      child.kill('SIGTERM')
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))
      await rm(dir, { recursive: true, force: true })
    },
  }
}

function spMetadata(registration: SpRegistration): string {
  const certData = registration.certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
  const lifetime = registration.assertionLifetimeSeconds
  return `$metadata[${php(registration.entityId)}] = [
  'AssertionConsumerService' => ${php(registration.acsUrl)},
  'certData' => ${php(certData)},
  'validate.authnrequest' => true,
  'sign.response' => false,
  'saml20.sign.assertion' => true,
  ${
    registration.transientNameId
      ? "'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',"
      : "'NameIDFormat' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',\n  'simplesaml.nameidattribute' => 'uid',"
  }
  ${lifetime === undefined ? '' : `'assertion.lifetime' => ${lifetime},`}
];
`
}

function php(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

function phpAttributes(attributes: Record<string, string[]>): string {
  const entries = Object.entries(attributes).map(([k, v]) => `${php(k)} => [${v.map(php).join(', ')}]`)
  return `[${entries.join(', ')}]`
}
