// One control-plane API call over real HTTP with a bearer key: the JSON body sent (when given) and the
// response's status, text and parsed JSON, for tests that check both problem+json refusals and results.
export interface ApiResponse {
  status: number
  text: string
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of many shapes
  body: any
}

export async function callApiAs(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResponse> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const text = await response.text()
  return { status: response.status, text, body: text ? JSON.parse(text) : undefined }
}
