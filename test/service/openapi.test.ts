// docs/openapi.json itself: an OpenAPI 3.1 document whose every $ref resolves, whose error-code enum is
// exactly src/problem.ts's codes, and which documents every route the service registers (and nothing
// else). Real responses are validated against it by the service contract (test/service/openapi.ts).
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../src/problem.ts'
import { openapi } from './openapi.ts'

const refs = (node: unknown, out: string[] = []): string[] => {
  if (Array.isArray(node)) for (const n of node) refs(n, out)
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v)
      else refs(v, out)
    }
  return out
}

describe('docs/openapi.json', () => {
  it('is OpenAPI 3.1 and every $ref resolves', () => {
    expect(openapi.openapi).toMatch(/^3\.1\.\d+$/)
    for (const ref of refs(openapi)) {
      expect(ref).toMatch(/^#\/components\/schemas\/[A-Za-z0-9]+$/)
      expect(openapi.components.schemas[ref.split('/').pop()!], ref).toBeDefined()
    }
  })

  it('lists exactly the error codes of src/problem.ts', () => {
    expect([...openapi.components.schemas.Problem.properties.code.enum].sort()).toEqual(Object.values(ErrorCode).sort())
  })

  it('documents the v2 routes and no v1 route', () => {
    expect(Object.keys(openapi.paths).sort()).toEqual(
      ['/health', '/metrics', '/v2/admin/rewrap', '/v2/config', '/v2/config/{name}', '/v2/keys', '/v2/sessions'].sort(),
    )
    expect(Object.keys(openapi.paths['/v2/config/{name}']).sort()).toEqual(['delete', 'get', 'put'])
  })
})
