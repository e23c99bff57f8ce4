/** Exponential backoff for a provider's temporary errors: base, 2×base, 4×base … capped at one hour. */
export const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

export function retryDelayMs(retryCount: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, retryCount - 1), MAX_RETRY_DELAY_MS);
}
