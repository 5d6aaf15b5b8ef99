using OrleansRca.Hosting.Postgres;

namespace OrleansRca.Cluster.Tests.Postgres;

/// <summary>The schema and the dataset store against a real PostgreSQL server.</summary>
[Collection("postgres")]
public sealed class PostgresStoreTests
{
    /// <summary>Every named query the Orleans 10.4 AdoNet clustering, persistence and reminder providers load.</summary>
    private static readonly string[] ProviderQueries =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey", "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey",
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    [PostgresFact]
    public async Task Schema_applied_by_many_at_once_is_created_exactly_once()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var source = database.DataSource();

        var applied = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => PostgresSchema.ApplyAsync(source, $"test-{i}", CancellationToken.None))));

        Assert.Equal(1, applied.Count(a => a));
        Assert.Equal(1, await database.ScalarAsync("SELECT count(*) FROM rca_schema_history"));
        foreach (var key in ProviderQueries)
            Assert.True(await database.ScalarAsync($"SELECT count(*) FROM OrleansQuery WHERE QueryKey = '{key}'") == 1, $"missing query {key}");
        // Applying the script itself again changes nothing and does not fail (every statement is idempotent).
        await using var command = source.CreateCommand(PostgresSchema.Script);
        await command.ExecuteNonQueryAsync();
        Assert.Equal(ProviderQueries.Length, await database.ScalarAsync("SELECT count(*) FROM OrleansQuery"));
        Assert.False(await PostgresSchema.ApplyAsync(source, "again", CancellationToken.None));
    }

    [PostgresFact]
    public async Task Dataset_store_round_trips_every_value_and_column_problem()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var source = database.DataSource();
        await PostgresSchema.ApplyAsync(source, "test", CancellationToken.None);
        var store = new PostgresDatasetStore(source);

        // Three chunks for each numeric column, special values included; one column that is not numeric.
        var rows = 2 * PostgresDatasetStore.ChunkDoubles + 17;
        var random = new Random(5);
        var a = Enumerable.Range(0, rows).Select(_ => random.NextDouble() * 1e6 - 5e5).ToArray();
        var b = Enumerable.Range(0, rows).Select(i => i % 1000 == 0 ? double.NaN : i * 0.1).ToArray();
        a[1] = double.Epsilon;
        a[2] = -0.0;
        var dataset = new Dataset("0123456789abcdef0123456789abcdef", "upload.csv", ["a", "b", "host"], [a, b, null],
            [null, null, new CellProblem(3, "'web-1' is not a number")], rows);

        var saved = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => store.SaveAsync(dataset))));
        var loaded = await store.LoadAsync(dataset.Id);
        var described = await store.DescribeAsync(dataset.Id);

        Assert.All(saved, info => Assert.Equal(rows, info.Rows));
        Assert.Equal(1, await database.ScalarAsync("SELECT count(*) FROM rca_datasets"));
        Assert.Equal(6, await database.ScalarAsync("SELECT count(*) FROM rca_dataset_chunks"));
        Assert.NotNull(loaded);
        Assert.Equal(dataset.Names, loaded.Names);
        Assert.Equal(rows, loaded.Rows);
        Assert.Equal("upload.csv", loaded.Source);
        // Bit for bit, NaN and negative zero included.
        Assert.Equal(a.Select(BitConverter.DoubleToInt64Bits), loaded.Columns[0]!.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(b.Select(BitConverter.DoubleToInt64Bits), loaded.Columns[1]!.Select(BitConverter.DoubleToInt64Bits));
        Assert.Null(loaded.Columns[2]);
        Assert.Equal(new CellProblem(3, "'web-1' is not a number"), loaded.Problems[2]);
        Assert.NotNull(described);
        Assert.Equal(["a", "b"], described.Columns);
        Assert.Equal(["host"], described.NonNumericColumns);
        Assert.Equal(dataset.SizeBytes, described.Bytes);
        Assert.Null(await store.LoadAsync("ffffffffffffffffffffffffffffffff"));
        Assert.Null(await store.DescribeAsync("ffffffffffffffffffffffffffffffff"));
    }
}

[CollectionDefinition("postgres", DisableParallelization = true)]
public sealed class PostgresCollection;
