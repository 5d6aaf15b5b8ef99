-- OrleansRca's PostgreSQL schema, version 1 (PostgreSQL 15 or later).
--
-- Written for this project from the contract the Orleans 10.4 AdoNet providers expect: the tables they
-- read and write, and the named queries they load from OrleansQuery at start-up (a provider refuses to
-- start when one is missing). Parameters are cast explicitly so a NULL never reaches PostgreSQL untyped.
-- Every statement is idempotent; PostgresSchema.cs runs the whole script under an advisory lock, once per
-- database, and records it in rca_schema_history.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL PRIMARY KEY,
    QueryText varchar(8000) NOT NULL
);

-- Membership (Orleans.Clustering.AdoNet) ------------------------------------------------------------

-- One row per cluster: its membership version, bumped by every membership change (optimistic concurrency).
CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150)   NOT NULL PRIMARY KEY,
    Timestamp    timestamptz(3) NOT NULL DEFAULT now(),
    Version      integer        NOT NULL DEFAULT 0
);

-- One row per silo incarnation (address, port, generation).
CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150)   NOT NULL REFERENCES OrleansMembershipVersionTable (DeploymentId),
    Address      varchar(45)    NOT NULL,
    Port         integer        NOT NULL,
    Generation   integer        NOT NULL,
    SiloName     varchar(150)   NOT NULL,
    HostName     varchar(150)   NOT NULL,
    Status       integer        NOT NULL,
    ProxyPort    integer        NULL,
    SuspectTimes varchar(8000)  NULL,
    StartTime    timestamptz(3) NOT NULL,
    IAmAliveTime timestamptz(3) NOT NULL,
    PRIMARY KEY (DeploymentId, Address, Port, Generation)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', '
    WITH created AS (
        INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES (@DeploymentId::varchar)
        ON CONFLICT (DeploymentId) DO NOTHING
        RETURNING 1)
    SELECT count(*)::int FROM created;'),

-- A new silo row and the version bump happen together or not at all: the bump is conditional on the
-- expected version and on the row being new, and the insert runs only for a bumped version.
('InsertMembershipKey', '
    WITH bumped AS (
        UPDATE OrleansMembershipVersionTable
        SET Version = Version + 1, Timestamp = now()
        WHERE DeploymentId = @DeploymentId::varchar AND Version = @Version::int
          AND NOT EXISTS (SELECT 1 FROM OrleansMembershipTable m
                          WHERE m.DeploymentId = @DeploymentId::varchar AND m.Address = @Address::varchar
                            AND m.Port = @Port::int AND m.Generation = @Generation::int)
        RETURNING DeploymentId),
    inserted AS (
        INSERT INTO OrleansMembershipTable
            (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
        SELECT DeploymentId, @Address::varchar, @Port::int, @Generation::int, @SiloName::varchar, @HostName::varchar,
               @Status::int, @ProxyPort::int, @StartTime::timestamptz, @IAmAliveTime::timestamptz
        FROM bumped
        ON CONFLICT DO NOTHING
        RETURNING 1)
    SELECT count(*)::int FROM inserted;'),

('UpdateMembershipKey', '
    WITH bumped AS (
        UPDATE OrleansMembershipVersionTable
        SET Version = Version + 1, Timestamp = now()
        WHERE DeploymentId = @DeploymentId::varchar AND Version = @Version::int
          AND EXISTS (SELECT 1 FROM OrleansMembershipTable m
                      WHERE m.DeploymentId = @DeploymentId::varchar AND m.Address = @Address::varchar
                        AND m.Port = @Port::int AND m.Generation = @Generation::int)
        RETURNING DeploymentId),
    updated AS (
        UPDATE OrleansMembershipTable m
        SET Status = @Status::int, SuspectTimes = @SuspectTimes::varchar, IAmAliveTime = @IAmAliveTime::timestamptz
        FROM bumped
        WHERE m.DeploymentId = bumped.DeploymentId AND m.Address = @Address::varchar
          AND m.Port = @Port::int AND m.Generation = @Generation::int
        RETURNING 1)
    SELECT count(*)::int FROM updated;'),

('UpdateIAmAlivetimeKey', '
    UPDATE OrleansMembershipTable
    SET IAmAliveTime = @IAmAliveTime::timestamptz
    WHERE DeploymentId = @DeploymentId::varchar AND Address = @Address::varchar
      AND Port = @Port::int AND Generation = @Generation::int;'),

-- The version row comes back even when the silo has no row yet (the provider reads the version from it).
('MembershipReadRowKey', '
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
           m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m
        ON m.DeploymentId = v.DeploymentId AND m.Address = @Address::varchar
       AND m.Port = @Port::int AND m.Generation = @Generation::int
    WHERE v.DeploymentId = @DeploymentId::varchar;'),

('MembershipReadAllKey', '
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
           m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
    WHERE v.DeploymentId = @DeploymentId::varchar;'),

('GatewaysQueryKey', '
    SELECT Address, ProxyPort, Generation
    FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId::varchar AND Status = @Status::int AND ProxyPort > 0;'),

('DeleteMembershipTableEntriesKey', '
    DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId::varchar;
    DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId::varchar;'),

-- Rows of silos that are not active (status 3) and have not said they are alive since the cut-off.
('CleanupDefunctSiloEntriesKey', '
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId::varchar AND IAmAliveTime < @IAmAliveTime::timestamptz AND Status <> 3;')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- Grain state (Orleans.Persistence.AdoNet) ----------------------------------------------------------

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer      NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    GrainTypeHash          integer      NOT NULL,
    GrainTypeString        varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512) NULL,
    ServiceId              varchar(150) NOT NULL,
    PayloadBinary          bytea        NULL,
    ModifiedOn             timestamptz  NOT NULL,
    Version                integer      NULL
);

-- One row per grain: a concurrent first write of the same grain (a split brain) inserts only once.
CREATE UNIQUE INDEX IF NOT EXISTS ux_orleansstorage_grain ON OrleansStorage
    (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString, ServiceId)
    NULLS NOT DISTINCT;

-- The provider passes the version it read (NULL for a grain never written) and expects the new version
-- back; a version equal to the one it passed means the write lost a race (InconsistentStateException).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('WriteToStorageKey', '
    WITH updated AS (
        UPDATE OrleansStorage
        SET PayloadBinary = @PayloadBinary::bytea, ModifiedOn = now(), Version = Version + 1
        WHERE @GrainStateVersion::int IS NOT NULL AND Version = @GrainStateVersion::int
          AND GrainIdHash = @GrainIdHash::int AND GrainTypeHash = @GrainTypeHash::int
          AND GrainIdN0 = @GrainIdN0::bigint AND GrainIdN1 = @GrainIdN1::bigint
          AND GrainTypeString = @GrainTypeString::varchar
          AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString::varchar
          AND ServiceId = @ServiceId::varchar
        RETURNING Version),
    inserted AS (
        INSERT INTO OrleansStorage (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
                                    GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
        SELECT @GrainIdHash::int, @GrainIdN0::bigint, @GrainIdN1::bigint, @GrainTypeHash::int, @GrainTypeString::varchar,
               @GrainIdExtensionString::varchar, @ServiceId::varchar, @PayloadBinary::bytea, now(), 1
        WHERE @GrainStateVersion::int IS NULL
        ON CONFLICT DO NOTHING
        RETURNING Version)
    SELECT COALESCE((SELECT Version FROM updated), (SELECT Version FROM inserted), @GrainStateVersion::int)
        AS NewGrainStateVersion;'),

('ReadFromStorageKey', '
    SELECT PayloadBinary, ModifiedOn, Version
    FROM OrleansStorage
    WHERE GrainIdHash = @GrainIdHash::int AND GrainTypeHash = @GrainTypeHash::int
      AND GrainIdN0 = @GrainIdN0::bigint AND GrainIdN1 = @GrainIdN1::bigint
      AND GrainTypeString = @GrainTypeString::varchar
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString::varchar
      AND ServiceId = @ServiceId::varchar;'),

('ClearStorageKey', '
    UPDATE OrleansStorage
    SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1
    WHERE Version = @GrainStateVersion::int
      AND GrainIdHash = @GrainIdHash::int AND GrainTypeHash = @GrainTypeHash::int
      AND GrainIdN0 = @GrainIdN0::bigint AND GrainIdN1 = @GrainIdN1::bigint
      AND GrainTypeString = @GrainTypeString::varchar
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString::varchar
      AND ServiceId = @ServiceId::varchar
    RETURNING Version AS NewGrainStateVersion;')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- Reminders (Orleans.Reminders.AdoNet) --------------------------------------------------------------

CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    varchar(150)   NOT NULL,
    GrainId      varchar(150)   NOT NULL,
    ReminderName varchar(150)   NOT NULL,
    StartTime    timestamptz(3) NOT NULL,
    Period       bigint         NOT NULL, -- milliseconds
    GrainHash    integer        NOT NULL, -- the grain's uniform hash as a signed integer: ranges compare signed
    Version      integer        NOT NULL,
    PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

CREATE INDEX IF NOT EXISTS ix_orleansreminders_hash ON OrleansRemindersTable (ServiceId, GrainHash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('UpsertReminderRowKey', '
    INSERT INTO OrleansRemindersTable AS r (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
    VALUES (@ServiceId::varchar, @GrainId::varchar, @ReminderName::varchar, @StartTime::timestamptz,
            @Period::bigint, @GrainHash::int, 0)
    ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
        SET StartTime = EXCLUDED.StartTime, Period = EXCLUDED.Period, GrainHash = EXCLUDED.GrainHash,
            Version = r.Version + 1
    RETURNING Version;'),

('ReadReminderRowsKey', '
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId::varchar AND GrainId = @GrainId::varchar;'),

('ReadReminderRowKey', '
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId::varchar AND GrainId = @GrainId::varchar AND ReminderName = @ReminderName::varchar;'),

-- A ring range (begin, end]: not wrapping (1) or wrapping past the end of the ring (2).
('ReadRangeRows1Key', '
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId::varchar AND GrainHash > @BeginHash::int AND GrainHash <= @EndHash::int;'),

('ReadRangeRows2Key', '
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId::varchar AND (GrainHash > @BeginHash::int OR GrainHash <= @EndHash::int);'),

('DeleteReminderRowKey', '
    WITH deleted AS (
        DELETE FROM OrleansRemindersTable
        WHERE ServiceId = @ServiceId::varchar AND GrainId = @GrainId::varchar
          AND ReminderName = @ReminderName::varchar AND Version = @Version::int
        RETURNING 1)
    SELECT count(*)::int FROM deleted;'),

('DeleteReminderRowsKey', '
    DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId::varchar;')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- Datasets (OrleansRca's own) -------------------------------------------------------------------------

-- A dataset by its content-derived id: the parsed columns, written once, read by every silo.
CREATE TABLE IF NOT EXISTS rca_datasets
(
    id         char(32)    NOT NULL PRIMARY KEY,
    source     text        NOT NULL,
    rows       integer     NOT NULL,
    names      text[]      NOT NULL,
    -- Per column: NULL for a numeric column, else the first bad cell as {"row": R, "message": M}.
    problems   jsonb       NOT NULL,
    size_bytes bigint      NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A numeric column's values as little-endian doubles, in chunks of at most 1 MiB.
CREATE TABLE IF NOT EXISTS rca_dataset_chunks
(
    dataset_id char(32) NOT NULL REFERENCES rca_datasets (id) ON DELETE CASCADE,
    col        integer  NOT NULL,
    chunk      integer  NOT NULL,
    data       bytea    NOT NULL,
    PRIMARY KEY (dataset_id, col, chunk)
);
