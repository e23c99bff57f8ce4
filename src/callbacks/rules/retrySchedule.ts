/**
 * When to call a status callback again after an answer that was not a success: exponential
 * backoff with jitter, `Retry-After` honoured on 429 and 503, nothing after the retry window.
 */

export type CallbackAnswer = { kind: 'status'; status: number; retryAfter: string | null } | { kind: 'no-answer'; reason: string };

export type NextStep = { kind: 'delivered' } | { kind: 'gone' } | { kind: 'retry'; at: Date; pauseCallback: boolean } | { kind: 'give-up' };

export interface RetrySettings {
  baseMs: number;
  windowMs: number;
}

/** The longest wait between two tries, however many failed before. */
const MAX_BACKOFF_MS = 30 * 60 * 1000;

/** Seconds, or an HTTP date; null when the header says neither. */
export function retryAfterMs(header: string | null, now: Date): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

/** Base × 2^(tries − 1), between half and all of it at random, so receivers coming back are not hit all at once. */
export function backoffMs(tries: number, baseMs: number, random: () => number = Math.random): number {
  const full = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, tries - 1));
  return Math.round(full / 2 + (full / 2) * random());
}

export function nextStep(answer: CallbackAnswer, tries: number, occurredAt: Date, now: Date, settings: RetrySettings, random: () => number = Math.random): NextStep {
  if (answer.kind === 'status' && answer.status >= 200 && answer.status < 300) return { kind: 'delivered' };
  if (answer.kind === 'status' && answer.status === 410) return { kind: 'gone' };
  const deadline = occurredAt.getTime() + settings.windowMs;
  if (now.getTime() >= deadline) return { kind: 'give-up' };
  const askedWait = answer.kind === 'status' && (answer.status === 429 || answer.status === 503) ? retryAfterMs(answer.retryAfter, now) : null;
  if (askedWait !== null) {
    const at = now.getTime() + Math.max(askedWait, backoffMs(tries, settings.baseMs, random));
    return at > deadline ? { kind: 'give-up' } : { kind: 'retry', at: new Date(at), pauseCallback: true };
  }
  return { kind: 'retry', at: new Date(Math.min(deadline, now.getTime() + backoffMs(tries, settings.baseMs, random))), pauseCallback: false };
}
