import type { ColumnType } from 'kysely';
import type { SharedTables } from '@segflow/db';
import type { ScoringModel } from '@segflow/contracts';
import type { ProfileState } from '@segflow/profile-model';

export interface ProfileDb extends SharedTables {
  profiles: {
    customer_id: string;
    version: number;
    state: ColumnType<ProfileState, string, string>;
    updated_at: ColumnType<Date, Date | undefined, Date>;
    /** Set on an alias: the id was merged into this customer, and `state` is empty. */
    merged_into: ColumnType<string | null, string | null | undefined, string | null>;
  };
  scoring_models: {
    version: number;
    model: ColumnType<ScoringModel, string, string>;
    created_at: ColumnType<Date, Date | undefined, never>;
  };
  processed_events: {
    event_id: string;
    customer_id: string;
    processed_at: ColumnType<Date, Date | undefined, never>;
  };
}
