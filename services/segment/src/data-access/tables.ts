import type { ColumnType, Generated } from 'kysely';
import type { Experiment, ExplanationItem, MembershipReason, ProfileState, Rule } from '@segflow/contracts';
import type { SharedTables } from '@segflow/db';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface SegmentDb extends SharedTables {
  segments: {
    id: string;
    name: string;
    description: string;
    rule: ColumnType<Rule, string, string>;
    enabled: boolean;
    experiment: ColumnType<Experiment | null, string | null | undefined, string | null>;
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
    /** The A/B group the member got at entry; null without an experiment. */
    group_id: ColumnType<string | null, string | null | undefined, string | null>;
    /** Whether the member purchased during this stay, and the campaigns it opened (see planResponses). */
    purchased: ColumnType<boolean, boolean | undefined, boolean>;
    opened_campaigns: ColumnType<string[], string | undefined, string>;
  };
  membership_intervals: {
    customer_id: string;
    segment_id: string;
    enter_seq: bigint;
    entered_at: Timestamp;
    /** Null for an interval open before history was kept. */
    enter_reason: MembershipReason | null;
    enter_explanation: ColumnType<ExplanationItem[], string, string>;
    exited_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
    exit_reason: MembershipReason | null;
    exit_explanation: ColumnType<ExplanationItem[] | null, string | null | undefined, string | null>;
    group_id: ColumnType<string | null, string | null | undefined, string | null>;
  };
  segment_size_changes: {
    segment_id: string;
    /** The UTC hour the changes were decided in; -infinity for everything folded past the retention period. */
    bucket: Timestamp;
    writer: number;
    entered: ColumnType<bigint, bigint | number, bigint | number>;
    exited: ColumnType<bigint, bigint | number, bigint | number>;
  };
  segment_results: {
    segment_id: string;
    /** The UTC hour the counted members entered in. */
    cohort: Timestamp;
    /** '' for members without a group. */
    group_id: string;
    metric: string;
    /** The campaign of `opens` and `openers`; '' otherwise. */
    key: string;
    writer: number;
    value: ColumnType<bigint, bigint | number, bigint | number>;
  };
  membership_sequence_floor: {
    singleton: ColumnType<boolean, never, never>;
    floor: bigint;
  };
}
