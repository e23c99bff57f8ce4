/** The messaging services a patient can meet in the NHS App (values match the GraphQL enum). */
export enum MessagingCategory {
  NHS_APP_MESSAGING = 'NHS_APP_MESSAGING',
  IM1_PFS = 'IM1_PFS',
  ONLINE_CONSULTATION = 'ONLINE_CONSULTATION',
  PHR = 'PHR',
}
