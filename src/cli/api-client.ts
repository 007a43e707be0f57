// The CLI's only way to the gateway: the control-plane API. Problem+json failures become CliErrors with
// the server's code; 403s exit 3 (denied) so scripts can tell a denial from a failure.
import { CliError, EXIT } from './cli-error.ts'

export interface ApiClientOptions {
  baseUrl: string
  /** Resolved lazily: commands that need no identity never look for one. */
  token: () => Promise<string>
  /** Extra headers for each request, read when it is sent (undefined: none). */
  headers?: () => Record<string, string> | undefined
}

export class ApiClient {
  readonly baseUrl: string
  readonly #token: () => Promise<string>
  readonly #headers: ApiClientOptions['headers']

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.#token = options.token
    this.#headers = options.headers
  }

  /** The same client, adding `headers()` to each request. */
  withHeaders(headers: () => Record<string, string> | undefined): ApiClient {
    return new ApiClient({ baseUrl: this.baseUrl, token: this.#token, headers })
  }

  get<T>(path: string, query?: Record<string, string | number | boolean | undefined>): Promise<T> {
    const search = new URLSearchParams()
    for (const [key, value] of Object.entries(query ?? {}))
      if (value !== undefined) search.set(key, String(value))
    const suffix = search.size > 0 ? `?${search}` : ''
    return this.#send<T>('GET', `${path}${suffix}`)
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.#send<T>('POST', path, body)
  }

  delete<T>(path: string, body?: unknown): Promise<T> {
    return this.#send<T>('DELETE', path, body)
  }

  async #send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {
      ...this.#headers?.(),
      accept: 'application/json',
      authorization: `Bearer ${await this.#token()}`,
    }
    if (body !== undefined) headers['content-type'] = 'application/json'
    let response: Response
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      })
    } catch (error) {
      // undici wraps the socket error (ECONNREFUSED, ENOTFOUND, a TLS failure) in `cause`, or several in `cause.errors`.
      const cause = (
        error as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }
      ).cause
      const reason = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (error as Error).message
      throw new CliError(
        'TG_CLI_API_UNREACHABLE',
        `Cannot reach the taskgate API at ${this.baseUrl} (${reason}); start it with \`taskgate serve\` or set --api / TASKGATE_API.`,
      )
    }
    const text = await response.text()
    const parsed = text ? safeJson(text) : undefined
    if (response.ok) return parsed as T
    const problem = parsed as { code?: string; detail?: string; title?: string } | undefined
    throw new CliError(
      problem?.code ?? `HTTP_${response.status}`,
      problem?.detail ?? problem?.title ?? `${method} ${path} answered ${response.status}`,
      response.status === 403 ? EXIT.denied : EXIT.error,
    )
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
