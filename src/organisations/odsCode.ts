/** ODS codes, the identifiers NHS organisations are known by (such as A81001). */
import { HubError } from '../shared/errors';

const ODS_CODE = /^[A-Z0-9]{3,10}$/;

export function normaliseOdsCode(odsCode: string): string {
  return odsCode.trim().toUpperCase();
}

export function assertOdsCode(odsCode: string): string {
  const normalised = normaliseOdsCode(odsCode);
  if (!ODS_CODE.test(normalised)) throw new HubError('BAD_USER_INPUT', `"${odsCode}" is not an ODS code: use 3 to 10 letters and digits, such as A81001`);
  return normalised;
}
