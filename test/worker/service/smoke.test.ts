import { describe, expect, it } from 'vitest'
import { adminPut, establish, readConfig, uniqueName } from './helpers.ts'

describe('smoke', () => {
  it('round trip', async () => {
    const name = uniqueName()
    const put = await adminPut(name, 'postgres://secret')
    expect(put.status, await put.clone().text()).toBe(201)
    const session = await establish()
    const got = await readConfig(session, name)
    expect(got.value).toBe('postgres://secret')
  })
})
