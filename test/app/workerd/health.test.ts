import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import pkg from '../../../package.json'
import { NATIVE_XWING_OPERATIONS } from '../../../src/crypto/select-core.ts'
import manifest from '../../../src/mlkem/wasm/manifest.json'

describe('GET /health', () => {
  it('reports runtime, versions and detected crypto capabilities', async () => {
    const res = await SELF.fetch('https://pq-edge.test/health')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const body = await res.json<any>()
    expect(body.status).toBe('ok')
    expect(body.runtime).toEqual({ name: 'cloudflare-workers' })
    expect(body.versions).toEqual({ 'pq-edge': pkg.version, hono: pkg.dependencies.hono })
    // workerd has WebAssembly with SIMD and the full WebCrypto set the probes look for.
    expect(body.capabilities).toMatchObject({
      webAssembly: true,
      wasmSimd: true,
      webCrypto: { x25519: true, hkdf: true, aesGcm: true, chacha20poly1305: true },
    })
    // wrangler.jsonc enables webcrypto_modern_algorithms, so this workerd has native ML-KEM-768 and X-Wing.
    expect(body.capabilities.webCrypto.mlKem768).toBe(true)
    expect(body.capabilities.webCrypto.xwing).toBe(true)
    // The ML-KEM module that runs: the SIMD build, with its pinned SHA-256.
    expect(body.mlkem).toMatchObject({
      name: 'pq-edge-wasm',
      module: 'simd',
      file: 'mlkem-simd.wasm',
      sha256: manifest.modules['mlkem-simd.wasm'].sha256,
      bytes: manifest.modules['mlkem-simd.wasm'].bytes,
    })
    // The implementation chosen for each primitive X-Wing and HPKE use: WebCrypto where workerd has it.
    expect(body.backends).toEqual({
      x25519: 'webcrypto',
      hkdf: 'webcrypto',
      aesGcm: 'webcrypto',
      chacha20poly1305: 'webcrypto', // WebCrypto Modern Algorithms (src/crypto/webcrypto.ts)
      mlkem768: 'pq-edge-wasm-simd',
      sha3: 'pq-edge-wasm', // the ML-KEM module's Keccak (src/mlkem/wasm-core.ts)
      // Native X-Wing where it measured faster (src/crypto/select-core.ts, NATIVE_XWING_OPERATIONS).
      xwingKeygen: NATIVE_XWING_OPERATIONS.keygen ? 'webcrypto' : 'pq-edge',
      xwingEncaps: NATIVE_XWING_OPERATIONS.encaps ? 'webcrypto' : 'pq-edge',
      xwingDecaps: NATIVE_XWING_OPERATIONS.decaps ? 'webcrypto' : 'pq-edge',
      xwingImportedKey: NATIVE_XWING_OPERATIONS.importedKey ? 'webcrypto' : 'pq-edge',
    })
  })
})
