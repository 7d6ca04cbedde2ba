// Test-only configuration of the worker under test (vitest.config.ts passes TEST_BINDINGS to
// miniflare): fixed, public values, so tests can present the plaintext credentials.
import type { Credentials } from '../../src/protocol/v2.ts'

export const TEST_SERVER_SECRET = '3agj3dPToWp0sHcKxE8pAfI_rspI20NMUoSVa5Z4cxs'
/** A second secret, for rotation tests (becomes SERVER_SECRET, with the one above as PREVIOUS). */
export const TEST_SERVER_SECRET_NEXT = '_jgsUgjXCyQ6anKqTloVyr65xY-08yMYUO_Q00bsCTs'
export const TEST_ADMIN_TOKEN = 'pqe_admin_test-admin-token-not-secret'
export const TEST_ADMIN: Credentials = { principal: 'admin', secret: TEST_ADMIN_TOKEN }
export const TEST_CLIENT = { principal: 'client', id: 'edge-app', secret: 'pqe_client_test-client-secret' } as const satisfies Credentials
/** A second client, allowed exactly one name. */
export const TEST_OTHER_CLIENT = { principal: 'client', id: 'narrow', secret: 'pqe_client_other-secret' } as const satisfies Credentials
/** A client marked for classical mode: its main secret (hybrid, pq) and its separate classical secret. */
export const TEST_LEGACY_CLIENT = {
  principal: 'client',
  id: 'legacy',
  secret: 'pqe_client_legacy-main-secret',
} as const satisfies Credentials
export const TEST_LEGACY_CLASSICAL = {
  principal: 'client',
  id: 'legacy',
  secret: 'pqe_client_legacy-classical-secret',
} as const satisfies Credentials

export const TEST_CLIENTS = [
  { id: 'edge-app', secretSha256: '98913c8ff37fb03ca507d07facd32fc8bf0a380822af8684bd3e89da42a3a7fc', scopes: ['app/'] },
  { id: 'narrow', secretSha256: 'cf5345c0d762406571a1b17f0a5747fa18b581eccbe7fe228092985807f52bc2', scopes: ['shared/flags'] },
  {
    id: 'legacy',
    secretSha256: 'f85b0e1b76982fcb2ebb78d641443e55a51b224d7c7f43a1e8b5a022eb33bfc4',
    classicalSecretSha256: '301c3b7f11171fe048c8a6d0a636d6330d00711b1749bf30a7c437b232242a61',
    scopes: ['app/'],
  },
]

export const TEST_BINDINGS = {
  SERVER_SECRET: TEST_SERVER_SECRET,
  // SHA-256 (hex) of the plaintexts above.
  ADMIN_TOKEN_SHA256: 'e33117f9cf74480f9ae7462bd5f6a6f47f421129bba0b6aacf27a52f4c991115',
  CLIENTS: JSON.stringify(TEST_CLIENTS),
  PQ_POLICY: 'pq-preferred',
}
