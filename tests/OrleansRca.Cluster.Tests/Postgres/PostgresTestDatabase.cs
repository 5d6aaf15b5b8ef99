using Npgsql;

namespace OrleansRca.Cluster.Tests.Postgres;

/// <summary>
/// Tests that need a real PostgreSQL server. <c>RCA_TEST_POSTGRES</c> is a connection string of a user who may
/// create databases (<c>.ci/run</c> sets it); without it these tests are reported as skipped, with the reason,
/// unless <c>RCA_REQUIRE_POSTGRES=1</c> (CI), where they run and fail saying what is missing.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresTestDatabase.AdminConnection is null && Environment.GetEnvironmentVariable("RCA_REQUIRE_POSTGRES") != "1")
            Skip = PostgresTestDatabase.Missing;
    }
}

/// <summary>A fresh, empty database for one test, dropped (with its connections) at the end.</summary>
public sealed class PostgresTestDatabase : IAsyncDisposable
{
    public const string Missing =
        "needs PostgreSQL: set RCA_TEST_POSTGRES to a connection string of a user who may create databases, "
        + "e.g. \"Host=127.0.0.1;Username=rca;Password=rca;Database=postgres\" (.ci/run installs and starts PostgreSQL 15 and sets it)";

    public static string? AdminConnection => Environment.GetEnvironmentVariable("RCA_TEST_POSTGRES") is { Length: > 0 } s ? s : null;

    private PostgresTestDatabase(string name, string connection)
    {
        Name = name;
        ConnectionString = connection;
    }

    public string Name { get; }

    /// <summary>Connects to this test's database.</summary>
    public string ConnectionString { get; }

    public static async Task<PostgresTestDatabase> CreateAsync()
    {
        var admin = AdminConnection ?? throw new InvalidOperationException(Missing);
        var name = $"rca_test_{Guid.NewGuid():N}"[..24];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true };
        return new PostgresTestDatabase(name, builder.ConnectionString);
    }

    public NpgsqlDataSource DataSource() => NpgsqlDataSource.Create(ConnectionString);

    public async Task<long> ScalarAsync(string sql)
    {
        await using var source = DataSource();
        await using var command = source.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnection);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
