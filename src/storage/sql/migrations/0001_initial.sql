-- hyperscout schema, version 1. Applied once, inside the migration transaction (see
-- src/storage/sqlite/schema.cpp); never edit a released migration, add 0002_*.sql instead.

-- next_number and next_seq are per-study counters bumped inside the writing transaction, so trial
-- numbers are gapless and change sequence numbers strictly increase without any max() scan.
CREATE TABLE studies (
  study_id    INTEGER PRIMARY KEY,
  study_name  TEXT NOT NULL UNIQUE,
  next_number INTEGER NOT NULL DEFAULT 0,
  next_seq    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE study_directions (
  study_id  INTEGER NOT NULL REFERENCES studies (study_id) ON DELETE CASCADE,
  objective INTEGER NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('minimize', 'maximize')),
  PRIMARY KEY (study_id, objective)
) WITHOUT ROWID;

CREATE TABLE study_user_attrs (
  study_id   INTEGER NOT NULL REFERENCES studies (study_id) ON DELETE CASCADE,
  key        TEXT NOT NULL,
  value_json TEXT NOT NULL,
  PRIMARY KEY (study_id, key)
) WITHOUT ROWID;

CREATE TABLE study_system_attrs (
  study_id   INTEGER NOT NULL REFERENCES studies (study_id) ON DELETE CASCADE,
  key        TEXT NOT NULL,
  value_json TEXT NOT NULL,
  PRIMARY KEY (study_id, key)
) WITHOUT ROWID;

-- Times are seconds since the Unix epoch taken from the database clock (julianday('now')).
CREATE TABLE trials (
  trial_id          INTEGER PRIMARY KEY,
  study_id          INTEGER NOT NULL REFERENCES studies (study_id) ON DELETE CASCADE,
  number            INTEGER NOT NULL,
  state             TEXT NOT NULL CHECK (state IN ('WAITING', 'RUNNING', 'COMPLETE', 'PRUNED', 'FAIL')),
  datetime_start    REAL,
  datetime_complete REAL,
  heartbeat         REAL,
  seq               INTEGER NOT NULL,
  UNIQUE (study_id, number)
);
CREATE INDEX trials_study_seq ON trials (study_id, seq);
CREATE INDEX trials_study_state ON trials (study_id, state, number);

-- NULL stands for NaN: SQLite stores a NaN REAL as NULL.
CREATE TABLE trial_values (
  trial_id  INTEGER NOT NULL REFERENCES trials (trial_id) ON DELETE CASCADE,
  objective INTEGER NOT NULL,
  value     REAL,
  PRIMARY KEY (trial_id, objective)
) WITHOUT ROWID;

CREATE TABLE trial_params (
  trial_id          INTEGER NOT NULL REFERENCES trials (trial_id) ON DELETE CASCADE,
  param_name        TEXT NOT NULL,
  internal_value    REAL NOT NULL,
  distribution_json TEXT NOT NULL,
  PRIMARY KEY (trial_id, param_name)
) WITHOUT ROWID;

CREATE TABLE trial_intermediate_values (
  trial_id INTEGER NOT NULL REFERENCES trials (trial_id) ON DELETE CASCADE,
  step     INTEGER NOT NULL,
  value    REAL,
  PRIMARY KEY (trial_id, step)
) WITHOUT ROWID;

CREATE TABLE trial_user_attrs (
  trial_id   INTEGER NOT NULL REFERENCES trials (trial_id) ON DELETE CASCADE,
  key        TEXT NOT NULL,
  value_json TEXT NOT NULL,
  PRIMARY KEY (trial_id, key)
) WITHOUT ROWID;

CREATE TABLE trial_system_attrs (
  trial_id   INTEGER NOT NULL REFERENCES trials (trial_id) ON DELETE CASCADE,
  key        TEXT NOT NULL,
  value_json TEXT NOT NULL,
  PRIMARY KEY (trial_id, key)
) WITHOUT ROWID;

CREATE TABLE sampler_state (
  study_id INTEGER NOT NULL REFERENCES studies (study_id) ON DELETE CASCADE,
  key      TEXT NOT NULL,
  value    BLOB NOT NULL,
  PRIMARY KEY (study_id, key)
) WITHOUT ROWID;
