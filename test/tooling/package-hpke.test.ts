// `npm run build:lib` emits dist/xwing and dist/hpke, and the package exports map makes
// `pq-edge/xwing` and `pq-edge/hpke` resolve in a fresh Node process from the repo itself.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { beforeAll, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const run = promisify(execFile)

beforeAll(async () => {
  await run('node', ['scripts/build-lib.ts'], { cwd: ROOT })
}, 120_000)

it("import { xwing } from 'pq-edge/xwing' works and interoperates with noble's ml_kem768_x25519", async () => {
  const script = `
    import { xwing, getBackends } from 'pq-edge/xwing'
    import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js'
    const { publicKey, secretKey } = await xwing.keygen()
    const { cipherText, sharedSecret } = ml_kem768_x25519.encapsulate(publicKey)
    const ok = Buffer.from(await xwing.decapsulate(cipherText, secretKey)).equals(sharedSecret)
    console.log(JSON.stringify({ ok, lengths: xwing.lengths, backends: await getBackends() }))
  `
  const { stdout } = await run('node', ['--input-type=module', '-e', script], { cwd: ROOT })
  const result = JSON.parse(stdout)
  expect(result.ok).toBe(true)
  expect(result.lengths).toMatchObject({ secretKey: 32, publicKey: 1216, cipherText: 1120 })
  expect(result.backends).toEqual({
    x25519: 'node-crypto', // the node condition's synchronous X25519 (src/crypto/node-x25519.ts)
    hkdf: 'webcrypto',
    aesGcm: 'webcrypto',
    chacha20poly1305: 'noble',
    mlkem768: 'pq-edge-wasm-simd',
    sha3: 'pq-edge-wasm',
    xwingKeygen: 'pq-edge',
    xwingEncaps: 'pq-edge',
    xwingDecaps: 'pq-edge',
    xwingImportedKey: 'pq-edge',
  })
})

it("import { hpke } from 'pq-edge/hpke' seals and opens an X-Wing message", async () => {
  const script = `
    import { hpke, KEM, KDF, AEAD, HpkeError } from 'pq-edge/hpke'
    const suite = hpke.suite({ kem: KEM.XWing, kdf: KDF.HkdfSha256, aead: AEAD.ChaCha20Poly1305 })
    const { publicKey, privateKey } = await suite.GenerateKeyPair()
    const key = await suite.importRecipientKey(privateKey)
    const { enc, ciphertext } = await suite.Seal(publicKey, new TextEncoder().encode('hello'))
    const pt = new TextDecoder().decode(await suite.Open(enc, key, ciphertext))
    let code
    try { await suite.Open(enc, key, ciphertext.subarray(1)) } catch (e) { code = e instanceof HpkeError && e.code }
    console.log(JSON.stringify({ pt, code, info: suite.info }))
  `
  const { stdout } = await run('node', ['--input-type=module', '-e', script], { cwd: ROOT })
  const result = JSON.parse(stdout)
  expect(result.pt).toBe('hello')
  expect(result.code).toBe('open_failed')
  expect(result.info.kem).toMatchObject({ id: 0x647a, Nenc: 1120, Npk: 1216, Nsk: 32 })
})
