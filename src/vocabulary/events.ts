/** The kinds of delivery event that subscriptions and callbacks carry (values match the GraphQL enum). */
export enum DeliveryEventType {
  QUEUED = 'QUEUED',
  SENT = 'SENT',
  DELIVERED = 'DELIVERED',
  READ = 'READ',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
