import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Small named values the hub keeps between runs, such as the rollup refresher's watermark. */
@Entity({ name: 'hub_state' })
export class HubState {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'varchar', length: 200 })
  value: string;
}
