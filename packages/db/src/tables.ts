import type { ColumnType, Generated } from 'kysely';
import type { RfmQuintiles } from '@segflow/contracts';

export interface ConsumerOffsetsTable {
  group_id: string;
  topic: string;
  partition: number;
  next_offset: bigint;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface OutboxTable {
  id: Generated<bigint>;
  producer: string;
  topic: string;
  key: string | null;
  value: string;
  headers: ColumnType<Record<string, string>, string | undefined, string>;
  created_at: ColumnType<Date, Date | undefined, never>;
  /** Set when the relay gave up on the row (the broker refuses it for good); such rows are not pending. */
  parked_at: Date | null;
  /** Why the broker refused it: the error's type and message, never the row's content. */
  park_reason: string | null;
  /**
   * The relay instance whose process publishes the row itself right after commit (see
   * `enqueueOutbox`); other relays leave it alone while that instance's session lives.
   */
  leased_by: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RfmQuintilesTable {
  id: Generated<bigint>;
  quintiles: ColumnType<RfmQuintiles, string, string>;
  computed_at: ColumnType<Date, Date | undefined, never>;
}

/** Tables created by the shared migrations; each service's Database extends this. */
export interface SharedTables {
  consumer_offsets: ConsumerOffsetsTable;
  outbox: OutboxTable;
  rfm_quintiles: RfmQuintilesTable;
}
