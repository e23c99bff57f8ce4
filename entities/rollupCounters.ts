import { Column } from 'typeorm';

/**
 * The counters every delivery rollup row holds, hourly or daily. h00…h19 count delivery
 * times in the buckets of src/analytics/deliveryTimeHistogram.ts.
 */
export abstract class RollupCounters {
  @Column({ type: 'int', default: 0 })
  messages: number;

  @Column({ type: 'int', default: 0 })
  delivered: number;

  @Column({ name: 'read_count', type: 'int', default: 0 })
  readCount: number;

  @Column({ type: 'int', default: 0 })
  failed: number;

  @Column({ type: 'int', default: 0 })
  fallbacks: number;

  @Column({ name: 'sms_fragments_avoided', type: 'int', default: 0 })
  smsFragmentsAvoided: number;

  @Column({ name: 'sms_fragments_sent', type: 'int', default: 0 })
  smsFragmentsSent: number;

  @Column({ name: 'patient_reports', type: 'int', default: 0 })
  patientReports: number;

  @Column({ name: 'h00', type: 'int', default: 0 })
  h00: number;

  @Column({ name: 'h01', type: 'int', default: 0 })
  h01: number;

  @Column({ name: 'h02', type: 'int', default: 0 })
  h02: number;

  @Column({ name: 'h03', type: 'int', default: 0 })
  h03: number;

  @Column({ name: 'h04', type: 'int', default: 0 })
  h04: number;

  @Column({ name: 'h05', type: 'int', default: 0 })
  h05: number;

  @Column({ name: 'h06', type: 'int', default: 0 })
  h06: number;

  @Column({ name: 'h07', type: 'int', default: 0 })
  h07: number;

  @Column({ name: 'h08', type: 'int', default: 0 })
  h08: number;

  @Column({ name: 'h09', type: 'int', default: 0 })
  h09: number;

  @Column({ name: 'h10', type: 'int', default: 0 })
  h10: number;

  @Column({ name: 'h11', type: 'int', default: 0 })
  h11: number;

  @Column({ name: 'h12', type: 'int', default: 0 })
  h12: number;

  @Column({ name: 'h13', type: 'int', default: 0 })
  h13: number;

  @Column({ name: 'h14', type: 'int', default: 0 })
  h14: number;

  @Column({ name: 'h15', type: 'int', default: 0 })
  h15: number;

  @Column({ name: 'h16', type: 'int', default: 0 })
  h16: number;

  @Column({ name: 'h17', type: 'int', default: 0 })
  h17: number;

  @Column({ name: 'h18', type: 'int', default: 0 })
  h18: number;

  @Column({ name: 'h19', type: 'int', default: 0 })
  h19: number;
}
