/**
 * Who must not be messaged at all. A deceased patient is never messaged: a send is refused
 * and messages already queued are stopped before their next attempt. A confidential record
 * (the PDS "S" flag) is only reached through the NHS App, behind NHS login, so a
 * time-critical message, which never goes to the app, cannot reach it.
 */
import type { CascadePatient } from './deliveryCascade';

/** Why a new message to this patient is refused, or null when it may be sent. */
export function ineligibleForSend(patient: CascadePatient, timeCritical: boolean): string | null {
  if (patient.deceased) return 'This patient is recorded as deceased and must not be messaged';
  if (patient.confidential && timeCritical) {
    return 'This patient has a confidential record: only the NHS App may carry their messages, and a time-critical message never goes to the NHS App';
  }
  return null;
}

/** Why a message queued to this patient must not be sent any more, or null. */
export function ineligibleNow(patient: CascadePatient): string | null {
  return patient.deceased ? 'The patient is now recorded as deceased' : null;
}
