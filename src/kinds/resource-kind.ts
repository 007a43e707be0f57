// What a resource kind is, as data: everything config/, core and the CLI need to know about a kind without
// loading its protocol engine (protocols/<kind>/index.ts, which only main.ts loads). A new kind is one module
// beside this one, one line in index.ts, and its engine folder under protocols/.

/** Where and as whom a client connects with a grant credential (the API's credential `connection`). */
export interface ClientConnection {
  host: string
  port: number
  user: string
  password: string
  database?: string
  /** A private key file the CLI wrote for the credential (kinds with `client.privateKey`). */
  keyFile?: string
  /** The gateway's SSH host key line, as the credential carries it (SSH). */
  hostKey?: string
  /** A known_hosts file the CLI wrote with `hostKey` for this host and port. */
  knownHostsFile?: string
  /** The certificate (PEM) that verifies the gateway's listener when it generated its own (HTTP). */
  certificateAuthority?: string
  /** A file the CLI wrote with `certificateAuthority`, for clients that read one (curl --cacert). */
  caFile?: string
}

/** A built-in guardrail of the kind (core's Guardrail, matching on classifier traits); overridable by id. */
export interface KindGuardrail {
  id: string
  description: string
  action: 'deny' | 'approve'
  traits: string[]
}

/** How the objects of one scope verb match, for verbs whose objects are not plain globs over names (an SSH
 * command scope is matched on program and arguments). Core consults it for every entry of that verb. */
export interface ScopeObjectMatcher {
  /** Whether granted `pattern` covers `object`: an action's object, or a narrower pattern (a requested entry
   * against a ceiling). Sound: true only when everything `object` matches, `pattern` matches too. */
  covers(pattern: string, object: string): boolean
  /** Why `object` is malformed for the verb (config check, grant request), or undefined. */
  problem(object: string): string | undefined
  /** Objects keep their case (paths, commands), where other objects are folded to lower case. */
  readonly caseSensitive: boolean
}

export interface ResourceKind {
  /** The `kind` of a resource in the configuration. */
  readonly name: string
  /** Every verb the kind's classifier emits: scope entries naming another verb are refused at config check
   * and at grant request. */
  readonly scopeVerbs: readonly string[]
  /** Guardrails in force on every resource of the kind, beside core's protocol-neutral ones. */
  readonly defaultGuardrails: readonly KindGuardrail[]
  /** Rewrites a scope object as written (a grant request, a policy ceiling, a guardrail's `needs`) to the form
   * the kind's classifier emits, when the two differ (Kubernetes: `pods@team-a` -> `pods:*@team-a`). */
  readonly canonicalScopeObject?: (object: string) => string
  /** Verifiers of a new credential's password the kind's front end checks logins against (stored with the
   * credential; the clear password is never stored). */
  readonly credentialVerifiers?: (password: string) => Record<string, string>
  /** How a client reaches a resource of the kind with a credential. */
  readonly client: {
    /** The environment variables the kind's usual clients read (`taskgate grant env`, `connect`). */
    environment(connection: ClientConnection): Record<string, string>
    /** Arguments `taskgate connect` puts before the user's own for a client of the kind that reads no
     * environment variable for some field (the MySQL client has none for the user name). */
    argumentsFor(client: string, connection: ClientConnection): string[]
    /** A command line a person can run (the password stays in the environment). */
    commandLine(connection: ClientConnection): string
    /** The private key file a client logs in with instead of the password (SSH): the CLI writes it 0600
     * and passes its path as `keyFile`. */
    privateKey?(connection: ClientConnection): string
  }
}
