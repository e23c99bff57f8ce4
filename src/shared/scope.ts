/**
 * What rows a request may see. Stores apply it inside their queries, so a row outside the
 * scope is never loaded. `organisationOdsCode: null` means every organisation.
 */
export interface AccessScope {
  organisationOdsCode: string | null;
}

export const UNRESTRICTED: AccessScope = { organisationOdsCode: null };
