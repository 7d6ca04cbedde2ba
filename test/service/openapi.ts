// A small OpenAPI 3.1 response matcher over docs/openapi.json: the response's status must be listed
// for the operation, its media type must be the one documented, and its body must validate against the
// documented JSON Schema (draft 2020-12, @cfworker/json-schema: no code generation, so it runs inside
// workerd too). Used by the service contract on real responses, in workerd and against Fastly.
import { Validator } from '@cfworker/json-schema'
import { expect } from 'vitest'
import spec from '../../docs/openapi.json' with { type: 'json' }

type Json = Record<string, any>
export const openapi = spec as Json

/** Asserts `res` is a documented response of `method path` (a path template of docs/openapi.json). */
export async function validateAgainstOpenApi(method: string, path: string, res: Response): Promise<void> {
  const operation = openapi.paths?.[path]?.[method.toLowerCase()] as Json | undefined
  expect(operation, `${method} ${path} is documented`).toBeDefined()
  const response = operation!.responses[String(res.status)] as Json | undefined
  expect(response, `${method} ${path}: status ${res.status} is documented`).toBeDefined()
  const text = await res.clone().text()
  if (!response!.content) {
    expect(text, `${method} ${path} ${res.status} has no body`).toBe('')
    return
  }
  const mediaType = res.headers.get('content-type') ?? ''
  const documented = response!.content[mediaType] as Json | undefined
  expect(documented, `${method} ${path} ${res.status}: media type ${mediaType} is documented`).toBeDefined()
  if (!mediaType.includes('json')) return
  const schema = { ...documented!.schema, components: openapi.components }
  const result = new Validator(schema, '2020-12', false).validate(JSON.parse(text))
  expect(result.errors, `${method} ${path} ${res.status}: ${text.slice(0, 500)}`).toEqual([])
}
