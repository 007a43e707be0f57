// application/x-www-form-urlencoded read in linear time, for bodies a client controls (the HTTP engine's
// `_method` and body rules, the SAML sign-in's POST binding).

/** `text` read as `new URLSearchParams(text)` reads it, in linear time: Node's parser looks for each pair's
 * `=` from the pair's start onward through the whole body, so a body of pairs without one (`a&a&a…`) took
 * it 2.7 s of CPU for 1 MiB (Node 24). Each such pair gets its `=` here (`a` and `a=` read alike), and the
 * one leading `?` URLSearchParams skips is skipped first, then kept from being skipped again by an empty
 * first pair. */
export function formPairs(text: string): URLSearchParams {
  const body = text.startsWith('?') ? text.slice(1) : text
  const pairs = body.split('&').map((pair) => (pair === '' || pair.includes('=') ? pair : `${pair}=`))
  return new URLSearchParams(`&${pairs.join('&')}`)
}
