import type { ColumnType } from 'kysely';
import type { SharedTables } from '@segflow/db';
import type { ProfileState } from '@segflow/profile-model';

export interface ProfileDb extends SharedTables {
  profiles: {
    customer_id: string;
    version: number;
    state: ColumnType<ProfileState, string, string>;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  processed_events: {
    event_id: string;
    customer_id: string;
    processed_at: ColumnType<Date, Date | undefined, never>;
  };
}
