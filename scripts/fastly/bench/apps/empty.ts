// Size baseline (scripts/fastly/bench.ts `aead`): an empty js-compute app.
addEventListener('fetch', (event) => (event as unknown as { respondWith(r: Response): void }).respondWith(new Response('ok')))
