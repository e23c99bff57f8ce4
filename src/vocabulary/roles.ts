/** Who may do what. Each API key has exactly one role. */
export enum Role {
  /** Bound to one organisation: sends, cancels and ingests for it and reads its own rows. */
  SENDER = 'SENDER',
  /** Delivery metrics and category descriptors only; never patient data. */
  ANALYST = 'ANALYST',
  /** Subscriptions, metrics and categories; optionally bound to one organisation's events. */
  DASHBOARD = 'DASHBOARD',
  /** Records delivery receipts and nothing else. */
  PROVIDER = 'PROVIDER',
  /** Everything, including key management and the audit log. */
  ADMIN = 'ADMIN',
}

export const ALL_ROLES = Object.values(Role);

/** Roles that must name an organisation, and roles that may. */
export const ORGANISATION_REQUIRED: readonly Role[] = [Role.SENDER];
export const ORGANISATION_ALLOWED: readonly Role[] = [Role.SENDER, Role.DASHBOARD];
