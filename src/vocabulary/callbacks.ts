/** Status callback vocabulary (values match the GraphQL enum of the contract). */
export enum StatusCallbackEvent {
  MESSAGE_STATUS = 'MESSAGE_STATUS',
  CHANNEL_STATUS = 'CHANNEL_STATUS',
  FALLBACK = 'FALLBACK',
}

export enum CallbackDeliveryState {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  /** The retry window closed before the receiver accepted it. */
  EXPIRED = 'EXPIRED',
  /** The callback was deleted or answered 410 before this was sent. */
  DROPPED = 'DROPPED',
}
