// The slice of oidc-provider 9 that test/support/start-oidc.ts uses. The package ships no types and
// @types/oidc-provider would be one more dependency for a test-only IdP.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  export interface InteractionDetails {
    uid: string
    params: Record<string, unknown> & { client_id: string; scope?: string }
    prompt: {
      name: string
      details: {
        missingOIDCScope?: string[]
        missingOIDCClaims?: string[]
        missingResourceScopes?: Record<string, string[]>
      }
    }
    grantId?: string
    session?: { accountId: string }
  }

  export interface GrantInstance {
    addOIDCScope(scope: string): void
    addOIDCClaims(claims: string[]): void
    addResourceScope(resource: string, scope: string): void
    save(): Promise<string>
  }

  export interface KoaContext {
    path: string
    method: string
    status: number
    body: unknown
  }

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>)
    issuer: string
    Grant: {
      new (properties: { accountId: string; clientId: string }): GrantInstance
      find(id: string): Promise<GrantInstance | undefined>
    }
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>
    use(middleware: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): this
    on(event: string, listener: (...args: unknown[]) => void): this
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error
  }

  export default Provider
}
