// The cookies of the console: parsing the Cookie header and writing Set-Cookie lines
// (RFC 6265bis: HttpOnly, SameSite, Secure, Path, Max-Age).

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const at = part.indexOf('=')
    if (at > 0 && part.slice(0, at).trim() === name) return decodeURIComponent(part.slice(at + 1).trim())
  }
  return undefined
}

export interface CookieOptions {
  /** 'None' only with secure: browsers drop a SameSite=None cookie that is not Secure. */
  sameSite: 'Strict' | 'Lax' | 'None'
  secure: boolean
  path?: string
  /** Seconds; 0 deletes the cookie. */
  maxAgeSeconds: number
}

export function serializeCookie(name: string, value: string, o: CookieOptions): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${o.path ?? '/'}`,
    `Max-Age=${o.maxAgeSeconds}`,
    'HttpOnly',
    `SameSite=${o.sameSite}`,
    ...(o.secure ? ['Secure'] : []),
  ].join('; ')
}
