import type { ColumnType } from 'kysely';
import type { ProfileSnapshot, Rule } from '@segflow/contracts';
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
  };
  customer_profiles: {
    customer_id: string;
    version: number;
    profile: ColumnType<ProfileSnapshot, string, string>;
    evaluated_at: Timestamp;
  };
  memberships: {
    customer_id: string;
    segment_id: string;
    is_member: boolean;
    seq: bigint;
    entered_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
    changed_at: Timestamp;
  };
}
