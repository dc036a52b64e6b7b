import type { ColumnType, Generated } from 'kysely';
import type { ProfileState, Rule } from '@segflow/contracts';
import type { SharedTables } from '@segflow/db';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface SegmentDb extends SharedTables {
  segments: {
    id: string;
    name: string;
    description: string;
    rule: ColumnType<Rule, string, string>;
    enabled: boolean;
    version: number;
    created_at: Timestamp;
    updated_at: Timestamp;
    deleted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  };
  backfill_jobs: {
    id: Generated<bigint>;
    segment_id: string;
    segment_version: number;
    reason: 'backfill' | 'definition_changed' | 'segment_deleted';
    state: 'running' | 'done' | 'superseded';
    cursor: string | null;
    processed: ColumnType<number, number | undefined, number>;
    total: number;
    entered: ColumnType<number, number | undefined, number>;
    exited: ColumnType<number, number | undefined, number>;
    started_at: Timestamp;
    updated_at: Timestamp;
    finished_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  };
  customer_profiles: {
    customer_id: string;
    version: number;
    profile: ColumnType<ProfileState, string, string>;
    evaluated_at: Timestamp;
    next_evaluation_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  };
  memberships: {
    customer_id: string;
    segment_id: string;
    is_member: boolean;
    seq: bigint;
    entered_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
    changed_at: Timestamp;
  };
  membership_sequence_floor: {
    singleton: ColumnType<boolean, never, never>;
    floor: bigint;
  };
}
