/** A fresh CSP nonce (128 random bits, hex); Web Crypto exists in browsers and in Node ≥ 20. */
export function createNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
