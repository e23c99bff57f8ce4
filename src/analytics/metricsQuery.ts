/** What an analyst asks deliveryMetrics for: a time range, filters and the dimensions to group by. */
import type { Channel } from '../vocabulary/delivery';
import type { MessagingCategory } from '../vocabulary/messagingCategory';

export enum MetricsDimension {
  ORGANISATION = 'ORGANISATION',
  CATEGORY = 'CATEGORY',
  CHANNEL = 'CHANNEL',
  DAY = 'DAY',
  HOUR = 'HOUR',
}

export interface MetricsQuery {
  from: Date;
  to: Date;
  organisationOdsCodes?: string[] | null;
  categories?: MessagingCategory[] | null;
  channels?: Channel[] | null;
}
