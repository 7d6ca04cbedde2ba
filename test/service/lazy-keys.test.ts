// Per-mode lazy private keys (src/service/keys.ts): deriving a secret's keys computes the three public
// keys (kids, the published list and KL need them) but imports no private key; a mode's key is imported
// on its first use only, once, and a request in one mode never imports another mode's key.
import { beforeAll, describe, expect, it } from 'vitest'
import { fromB64u, utf8 } from '../../src/crypto/bytes.ts'
import { selectBackends } from '../../src/crypto/select.ts'
import type { Backends } from '../../src/crypto/types.ts'
import { createHpke, type Hpke } from '../../src/hpke/hpke.ts'
import * as mlkem from '../../src/mlkem/node.ts'
import { MODE_KEM, type Mode } from '../../src/protocol/v2.ts'
import { deriveSecretKeys, suiteFor } from '../../src/service/keys.ts'
import { TEST_SERVER_SECRET } from './secrets.ts'

let backends: Backends
beforeAll(async () => {
  backends = (await selectBackends(mlkem)).backends
})

/** An Hpke whose suites count importRecipientKey calls per KEM id. */
function countingHpke(): { hpke: Hpke; imports: Map<number, number> } {
  const real = createHpke(backends)
  const imports = new Map<number, number>()
  return {
    imports,
    hpke: {
      suite(params) {
        const suite = real.suite(params)
        return {
          ...suite,
          importRecipientKey(privateKey, publicKey) {
            imports.set(params.kem, (imports.get(params.kem) ?? 0) + 1)
            return suite.importRecipientKey(privateKey, publicKey)
          },
        }
      },
    },
  }
}

describe('server keys: private keys imported per mode, on first use', () => {
  it('derives all three public keys but imports no private key up front', async () => {
    const { hpke, imports } = countingHpke()
    const { keys } = await deriveSecretKeys(backends, hpke, fromB64u(TEST_SERVER_SECRET, 'secret', 32), 'current')
    expect(keys.map((k) => k.mode)).toEqual(['hybrid', 'pq', 'classical'])
    for (const k of keys) expect(k.publicKey.length).toBeGreaterThan(0)
    expect([...imports.values()]).toEqual([])
  })

  for (const mode of ['pq', 'hybrid', 'classical'] as const satisfies readonly Mode[]) {
    it(`a ${mode} request imports the ${mode} key once and no other mode's`, async () => {
      const { hpke, imports } = countingHpke()
      const { keys } = await deriveSecretKeys(backends, hpke, fromB64u(TEST_SERVER_SECRET, 'secret', 32), 'current')
      const key = keys.find((k) => k.mode === mode)!
      const suite = suiteFor(hpke, mode, 0x0003)
      const sealed = await suite.Seal(key.publicKey, utf8('hello'), { info: utf8('lazy') })
      const [a, b] = await Promise.all([key.recipientKey(), key.recipientKey()])
      expect(a).toBe(b)
      expect(await suite.Open(sealed.enc, await key.recipientKey(), sealed.ciphertext, { info: utf8('lazy') })).toEqual(utf8('hello'))
      expect(Object.fromEntries(imports)).toEqual({ [MODE_KEM[mode]]: 1 })
    })
  }
})
