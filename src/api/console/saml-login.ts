// Console sign-in with a SAML 2.0 IdP (the SAML counterpart of oidc-login.ts), through @node-saml/node-saml
// (DEPENDENCIES.md): SP-initiated, a signed AuthnRequest over HTTP-Redirect, the Response back over
// HTTP-POST to the ACS. node-saml checks the signature (only the configured IdP certificate), Issuer,
// audience, NotBefore/NotOnOrAfter and that InResponseTo names a request we made; this file adds what it
// leaves out: the Recipient (our ACS), a response accepted once, a login finished by the browser that began
// it, and the attributes -> Principal mapping. A sign-in in flight lives in its browser's binding cookie;
// answered request ids live in the store (shared-state.ts): behind a load balancer the ACS post may reach
// another gateway than the one that began.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { type CacheProvider, type Profile, SAML, ValidateInResponseTo } from '@node-saml/node-saml'
import type { SamlProviderConfig } from '../../config/schema.ts'
import { type Principal, TaskgateError } from '../../core/index.ts'
import { type SharedState, seal, unsealBinding } from './shared-state.ts'

const LOGIN_TTL_MS = 10 * 60 * 1000
const TRANSIENT_NAME_ID = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient'
/** A SAMLResponse is a few KiB; anything near this is not one we asked for. */
export const MAX_SAML_RESPONSE_CHARS = 256 * 1024

export interface SamlSettings extends Omit<SamlProviderConfig, 'spPrivateKey'> {
  /** spPrivateKey, resolved from its secret. */
  spPrivateKeyPem: string
}

/** Kept in the binding cookie of the browser that began, sealed with the secret it also holds (see
 * oidc-login.ts): starting a sign-in writes nothing to the store. The store learns a request id only once a
 * response to it checked out, to accept that response once (across gateways). */
interface PendingLogin {
  relayState: string
  requestId: string
  returnTo: string
  expiresAt: number
}

const PURPOSE = 'saml sign-in'

export class SamlLogin {
  readonly settings: SamlSettings
  readonly #baseUrl: () => string
  readonly #state: SharedState
  readonly #idpCert: string
  readonly #spCert: string

  /** `baseUrl`: api.publicUrl, or the listener's own URL; never a request's Host header. */
  constructor(settings: SamlSettings, baseUrl: () => string, state: SharedState) {
    this.settings = settings
    this.#baseUrl = baseUrl
    this.#state = state
    this.#idpCert = readPem(settings.idpCertFile, `identity.providers ${settings.id}: idpCertFile`)
    this.#spCert = readPem(settings.spCertFile, `identity.providers ${settings.id}: spCertFile`)
  }

  /** The SP's entity id: also the stable URL its metadata is served at. */
  get entityId(): string {
    return `${this.#base()}/auth/saml/${this.settings.id}/metadata`
  }

  get acsUrl(): string {
    return `${this.#base()}/auth/saml/${this.settings.id}/acs`
  }

  metadata(): string {
    return this.#instance(new CookieRequestIds(this.#state)).generateServiceProviderMetadata(
      null,
      this.#spCert,
    )
  }

  async start(returnTo: string): Promise<{ redirectUrl: string; binding: string }> {
    const relayState = randomBytes(24).toString('base64url')
    const secret = randomBytes(24).toString('base64url')
    const requestIds = new CookieRequestIds(this.#state)
    const redirectUrl = await this.#instance(requestIds).getAuthorizeUrlAsync(relayState, undefined, {})
    if (!requestIds.saved)
      throw new TaskgateError('TG_LOGIN_FAILED', { message: 'No SAML request was made.' })
    const pending: PendingLogin = {
      relayState,
      requestId: requestIds.saved,
      returnTo,
      expiresAt: Date.now() + LOGIN_TTL_MS,
    }
    return { redirectUrl, binding: `${secret}.${seal(secret, PURPOSE, pending)}` }
  }

  async complete(
    form: { SAMLResponse?: unknown; RelayState?: unknown },
    binding: string | undefined,
  ): Promise<{ principal: Principal; returnTo: string }> {
    const relayState = typeof form.RelayState === 'string' ? form.RelayState : ''
    const pending = unsealBinding<PendingLogin>(binding, PURPOSE)
    if (!pending || pending.relayState !== relayState || pending.expiresAt <= Date.now()) {
      throw new TaskgateError('TG_LOGIN_FAILED', {
        message: 'This sign-in is unknown or expired, or was started in another browser; sign in again.',
      })
    }
    const response = form.SAMLResponse
    if (typeof response !== 'string' || response.length === 0 || response.length > MAX_SAML_RESPONSE_CHARS) {
      throw new TaskgateError('TG_LOGIN_FAILED', {
        message: 'The IdP sent no usable SAML response; sign in again.',
      })
    }
    let profile: Profile | null
    try {
      // node-saml accepts only a response to this browser's request, not yet used (CookieRequestIds).
      const requestIds = new CookieRequestIds(this.#state, pending.requestId)
      ;({ profile } = await this.#instance(requestIds).validatePostResponseAsync({ SAMLResponse: response }))
    } catch (cause) {
      throw new TaskgateError('TG_LOGIN_FAILED', {
        message: 'The SAML response did not check out (signature, audience, time or request); sign in again.',
        detail: cause instanceof Error ? cause.message : String(cause),
        cause,
      })
    }
    if (!profile) throw new TaskgateError('TG_LOGIN_FAILED', { message: 'The IdP signed nobody in.' })
    this.#checkRecipient(profile)
    // Once: the first gateway to record the request id as answered signs in; a replay (or the same response
    // posted to two gateways at once) finds it recorded.
    const now = new Date()
    const used = await this.#state.put(
      'saml_request',
      pending.requestId,
      'answered',
      new Date(pending.expiresAt),
      now,
    )
    if (!used) throw new TaskgateError('TG_LOGIN_FAILED', { message: 'This SAML response was already used.' })
    return { principal: this.#principalOf(profile), returnTo: pending.returnTo }
  }

  /** node-saml does not compare SubjectConfirmationData/@Recipient: an assertion for another SP's ACS
   * (same IdP, same audience by misconfiguration) must not sign anyone in here. */
  #checkRecipient(profile: Profile): void {
    const assertion = profile.getAssertion?.() as AssertionJs | undefined
    const confirmations = assertion?.Assertion?.Subject?.[0]?.SubjectConfirmation ?? []
    const recipients = confirmations
      .flatMap((c) => c.SubjectConfirmationData ?? [])
      .map((d) => d.$?.Recipient)
    if (recipients.length === 0 || recipients.some((r) => r !== this.acsUrl)) {
      throw new TaskgateError('TG_LOGIN_FAILED', {
        message: 'The SAML assertion is addressed to another service; sign in again.',
        detail: `recipients ${recipients.join(', ')}`,
      })
    }
  }

  #principalOf(profile: Profile): Principal {
    const s = this.settings
    const nameId = profile.nameID
    if (typeof nameId !== 'string' || nameId === '' || nameId.length > 256) {
      throw new TaskgateError('TG_LOGIN_FAILED', { message: 'The SAML assertion names no subject (NameID).' })
    }
    // A transient NameID changes at every sign-in: the same person would be a new principal each time, and
    // "nobody approves their own request" (compared by principal id) would no longer hold.
    if (profile.nameIDFormat === TRANSIENT_NAME_ID) {
      throw new TaskgateError('TG_LOGIN_FAILED', {
        message:
          'The IdP identified you with a transient NameID, which changes at every sign-in; the IdP must send a persistent, e-mail or unspecified NameID for taskgate.',
      })
    }
    const email = firstString(profile[s.emailAttribute])
    const idpGroups = stringList(profile[s.groupsAttribute])
    const groups = s.groupMap
      ? [...new Set(idpGroups.flatMap((g) => s.groupMap?.[g] ?? []))]
      : [...new Set(idpGroups)]
    return { id: `saml:${s.id}:${nameId}`, kind: 'person', name: email ?? nameId, groups, via: 'saml' }
  }

  /** A node-saml instance over `requestIds`; cheap to build (it only keeps its options). */
  #instance(requestIds: CacheProvider): SAML {
    const s = this.settings
    return new SAML({
      entryPoint: s.entryPoint,
      issuer: this.entityId,
      audience: this.entityId,
      callbackUrl: this.acsUrl,
      idpIssuer: s.idpIssuer,
      idpCert: this.#idpCert,
      privateKey: s.spPrivateKeyPem,
      publicCert: this.#spCert,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      acceptedClockSkewMs: s.clockSkewSeconds * 1000,
      // 'always': an unsolicited (IdP-initiated) response, or one for a request we never made or already
      // answered, is refused; node-saml forgets an id once its response is accepted (replay).
      validateInResponseTo: ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: LOGIN_TTL_MS,
      cacheProvider: requestIds,
      identifierFormat: null,
      disableRequestedAuthnContext: true,
    })
  }

  #base(): string {
    return this.#baseUrl().replace(/\/+$/, '')
  }
}

/**
 * node-saml's request-id memory for one sign-in: at the start it only notes the id node-saml made (kept in the
 * browser's binding cookie); at the ACS it knows that one id, and only while the store has no record of a
 * response to it (written by complete() once the response checked out). Nothing is stored before an IdP
 * answered, so starting sign-ins cannot fill the store or a cap.
 */
class CookieRequestIds implements CacheProvider {
  readonly #state: SharedState
  readonly #expected: string | undefined
  saved: string | undefined

  constructor(state: SharedState, expected?: string) {
    this.#state = state
    this.#expected = expected
  }

  async saveAsync(key: string, value: string) {
    this.saved = key
    return { value, createdAt: Date.now() }
  }

  async getAsync(key: string) {
    if (this.#expected === undefined || key !== this.#expected) return null
    const answered = await this.#state.get('saml_request', key, new Date())
    // node-saml reads the value as the request's creation time; the cookie's expiresAt already bounded it.
    return answered === undefined ? new Date().toISOString() : null
  }

  async removeAsync(key: string | null) {
    return key
  }
}

interface AssertionJs {
  Assertion?: {
    Subject?: Array<{
      SubjectConfirmation?: Array<{ SubjectConfirmationData?: Array<{ $?: { Recipient?: string } }> }>
    }>
  }
}

function firstString(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value
  return typeof first === 'string' && first !== '' && first.length <= 256 ? first : undefined
}

function stringList(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value]
  return list.filter((g): g is string => typeof g === 'string' && g !== '' && g.length <= 256).slice(0, 200)
}

function readPem(path: string, where: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (cause) {
    throw new TaskgateError('TG_CONFIG_INVALID', {
      message: `${where}: cannot read ${path}; check the path.`,
      cause,
    })
  }
}
