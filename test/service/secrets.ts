// Test-only configuration of the worker under test (vitest.config.ts passes TEST_BINDINGS to
// miniflare): fixed, public values, so tests can present the plaintext credentials.
export const TEST_SERVER_SECRET = '3agj3dPToWp0sHcKxE8pAfI_rspI20NMUoSVa5Z4cxs'
/** A second secret, for rotation tests (becomes SERVER_SECRET, with the one above as PREVIOUS). */
export const TEST_SERVER_SECRET_NEXT = '_jgsUgjXCyQ6anKqTloVyr65xY-08yMYUO_Q00bsCTs'
export const TEST_ADMIN_TOKEN = 'pqe_admin_test-admin-token-not-secret'
export const TEST_CLIENT = { clientId: 'edge-app', clientSecret: 'pqe_client_test-client-secret' }
/** A second client, allowed exactly one name. */
export const TEST_OTHER_CLIENT = { clientId: 'narrow', clientSecret: 'pqe_client_other-secret' }

export const TEST_BINDINGS = {
  SERVER_SECRET: TEST_SERVER_SECRET,
  // SHA-256 (hex) of the plaintexts above.
  ADMIN_TOKEN_SHA256: 'e33117f9cf74480f9ae7462bd5f6a6f47f421129bba0b6aacf27a52f4c991115',
  CLIENTS: JSON.stringify([
    { id: 'edge-app', secretSha256: '98913c8ff37fb03ca507d07facd32fc8bf0a380822af8684bd3e89da42a3a7fc', scopes: ['app/'] },
    { id: 'narrow', secretSha256: 'cf5345c0d762406571a1b17f0a5747fa18b581eccbe7fe228092985807f52bc2', scopes: ['shared/flags'] },
  ]),
  PQ_POLICY: 'pq-preferred',
}
