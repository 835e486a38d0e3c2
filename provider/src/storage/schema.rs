//! Versioned schema migrations, embedded in the binary, one list per backend.
//!
//! Each database keeps the versions applied to it in `schema_migrations`. At open, a backend
//! reads its version and [`plan`]s: an empty database gets every migration; an older one is
//! migrated only when asked (`provider storage migrate`, or `storage_migrate = true`), since
//! several instances may share it and an operator should choose the moment; a newer one is
//! refused, since this binary cannot know what a later schema means.

use super::StorageError;

/// One step of a backend's schema, applied in one transaction with its bookkeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// Its version: the list's position, from 1.
    pub version: u32,
    /// What it does, kept beside the version in the database.
    pub name: &'static str,
    /// The statements.
    pub sql: &'static str,
}

/// The SQLite backend's migrations.
pub const SQLITE: &[Migration] =
    &[Migration { version: 1, name: "records", sql: include_str!("sqlite/migrations/0001_records.sql") }];

/// The PostgreSQL backend's migrations.
pub const POSTGRES: &[Migration] =
    &[Migration { version: 1, name: "records", sql: include_str!("postgres/migrations/0001_records.sql") }];

/// Whether opening a database may apply migrations to a schema that already has some.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Upgrade {
    /// Refuse an older schema, naming the command that migrates it (the default for `serve`).
    #[default]
    Refuse,
    /// Migrate an older schema (`provider storage migrate`, or `storage_migrate = true`).
    Apply,
}

/// What opening a database at `current` (0: empty) must do with `migrations`: the ones to apply,
/// in order, or why it may not open.
pub fn plan(
    current: u32,
    migrations: &'static [Migration],
    upgrade: Upgrade,
) -> Result<&'static [Migration], StorageError> {
    let latest = migrations.last().map_or(0, |m| m.version);
    if current > latest {
        return Err(StorageError(format!(
            "the database schema is at version {current}, newer than this provider knows ({latest}): \
             run the provider version that migrated it, or a later one"
        )));
    }
    if current > 0 && current < latest && upgrade == Upgrade::Refuse {
        return Err(StorageError(format!(
            "the database schema is at version {current}, older than this provider's ({latest}): \
             run `provider storage migrate`, or set storage_migrate = true"
        )));
    }
    Ok(&migrations[current as usize..])
}

/// The version a database has: the highest applied, or, for a database made before migrations
/// were kept (its `records` table exists, unrecorded), version 1, whose schema it has.
pub(crate) fn current_version(recorded: Option<u32>, has_records_table: bool) -> u32 {
    recorded.unwrap_or(u32::from(has_records_table))
}

#[cfg(test)]
mod tests {
    use super::*;

    const THREE: &[Migration] = &[
        Migration { version: 1, name: "a", sql: "" },
        Migration { version: 2, name: "b", sql: "" },
        Migration { version: 3, name: "c", sql: "" },
    ];

    #[test]
    fn the_lists_are_numbered_from_one_without_gaps() {
        for list in [SQLITE, POSTGRES, THREE] {
            for (i, migration) in list.iter().enumerate() {
                assert_eq!(migration.version as usize, i + 1, "{}", migration.name);
            }
        }
    }

    #[test]
    fn an_empty_database_gets_every_migration_even_without_upgrade() {
        assert_eq!(plan(0, THREE, Upgrade::Refuse).unwrap().len(), 3);
    }

    #[test]
    fn an_older_schema_is_migrated_only_when_asked() {
        let refused = plan(1, THREE, Upgrade::Refuse).unwrap_err();
        assert!(refused.0.contains("provider storage migrate"), "{}", refused.0);
        let steps = plan(1, THREE, Upgrade::Apply).unwrap();
        assert_eq!(steps.iter().map(|m| m.version).collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn the_current_schema_needs_nothing_and_a_newer_one_is_refused() {
        assert!(plan(3, THREE, Upgrade::Refuse).unwrap().is_empty());
        let refused = plan(4, THREE, Upgrade::Apply).unwrap_err();
        assert!(refused.0.contains("newer than this provider knows (3)"), "{}", refused.0);
    }

    #[test]
    fn a_database_from_before_migrations_counts_as_version_one() {
        assert_eq!(current_version(None, true), 1);
        assert_eq!(current_version(None, false), 0);
        assert_eq!(current_version(Some(2), true), 2);
    }
}
