using Npgsql;

namespace OrleansRca.Hosting.Postgres;

/// <summary>
/// The project's PostgreSQL schema (<c>schema.sql</c>, embedded): the tables and named queries of the
/// Orleans AdoNet providers plus the dataset store. Applied at most once per database and version, under
/// a transaction-scoped advisory lock, so silos starting together on an empty database create it exactly
/// once and the others wait and find it there.
/// </summary>
public static partial class PostgresSchema
{
    /// <summary>Bump with every change to <c>schema.sql</c> (its statements stay idempotent).</summary>
    public const int Version = 1;

    /// <summary>An arbitrary constant naming "OrleansRca schema" among the database's advisory locks.</summary>
    private const long LockKey = 0x5243_4153_4348_454D; // "RCASCHEM"

    public static string Script { get; } = ReadScript();

    /// <summary>Applies the schema unless this version is recorded; true when this call applied it.</summary>
    public static async Task<bool> ApplyAsync(NpgsqlDataSource database, string appliedBy, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, """
            CREATE TABLE IF NOT EXISTS rca_schema_history
            (
                version    integer     NOT NULL PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now(),
                applied_by text        NOT NULL
            )
            """, cancellationToken).ConfigureAwait(false);

        await using (var check = new NpgsqlCommand("SELECT count(*) FROM rca_schema_history WHERE version = $1", connection, transaction))
        {
            check.Parameters.Add(new NpgsqlParameter { Value = Version });
            if ((long)(await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return false;
            }
        }

        await ExecuteAsync(connection, transaction, Script, cancellationToken).ConfigureAwait(false);
        await using (var record = new NpgsqlCommand("INSERT INTO rca_schema_history (version, applied_by) VALUES ($1, $2)", connection, transaction))
        {
            record.Parameters.Add(new NpgsqlParameter { Value = Version });
            record.Parameters.Add(new NpgsqlParameter { Value = appliedBy });
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string ReadScript()
    {
        using var stream = typeof(PostgresSchema).Assembly.GetManifestResourceStream("OrleansRca.Hosting.Postgres.schema.sql")
            ?? throw new InvalidOperationException("the embedded PostgreSQL schema is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Applies the schema before the silo starts (registered ahead of Orleans, so it runs first). A database
    /// that is not up yet (containers starting together) is retried for <see cref="StartupBudget"/>.
    /// </summary>
    internal sealed partial class Initializer(NpgsqlDataSource database, ILogger<Initializer> logger) : IHostedService
    {
        public static readonly TimeSpan StartupBudget = TimeSpan.FromSeconds(60);

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var giveUpAt = DateTime.UtcNow + StartupBudget;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    if (await ApplyAsync(database, Environment.MachineName + "/" + Environment.ProcessId, cancellationToken).ConfigureAwait(false))
                        LogApplied(Version);
                    return;
                }
                catch (NpgsqlException e) when (e.IsTransient && DateTime.UtcNow < giveUpAt)
                {
                    LogWaiting(attempt, e.Message);
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is NpgsqlException or PostgresException)
                {
                    throw new ClusterStorageException($"cannot prepare the PostgreSQL schema (host {new NpgsqlConnectionStringBuilder(database.ConnectionString).Host ?? "not set"}): {e.Message}", e);
                }
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Information, Message = "Applied the OrleansRca PostgreSQL schema, version {Version}")]
        private partial void LogApplied(int version);

        [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL is not reachable yet (attempt {Attempt}): {Reason}; retrying")]
        private partial void LogWaiting(int attempt, string reason);
    }
}

/// <summary>The cluster's database could not be prepared or reached: one line for the operator, exit code 1.</summary>
public sealed class ClusterStorageException(string message, Exception inner) : Exception(message, inner);
