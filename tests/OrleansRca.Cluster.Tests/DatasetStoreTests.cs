using OrleansRca.Grains.Datasets;
using OrleansRca.Grains.Requests;

namespace OrleansRca.Cluster.Tests;

/// <summary>The bounded in-memory dataset store of <c>serve</c>: what it drops, in which order, and what it never drops.</summary>
public sealed class DatasetStoreTests
{
    /// <summary>A one-column dataset of <paramref name="values"/> doubles; ids are 32 hex digits like real ones.</summary>
    private static Dataset Make(int n, int values = 1000) =>
        new($"{n:x32}", $"table {n}", ["x"], [new double[values]], [null], values);

    /// <summary>A store with room for exactly <paramref name="count"/> datasets of <see cref="Make"/>'s default size.</summary>
    private static InMemoryDatasetStore StoreFor(int count) => new(count * InMemoryDatasetStore.HeldBytes(Make(0)));

    private static async Task<bool> Has(InMemoryDatasetStore store, int n) => await store.DescribeAsync(Make(n).Id) is not null;

    [Fact]
    public async Task Inline_tables_go_before_uploads_each_least_recently_used_first()
    {
        var store = StoreFor(3);
        await store.SaveAsync(Make(1), DatasetOrigin.Upload);
        await store.SaveAsync(Make(2), DatasetOrigin.Inline);
        await store.SaveAsync(Make(3), DatasetOrigin.Inline);
        await store.LoadAsync(Make(2).Id); // 3 is now the least recently used inline table

        await store.SaveAsync(Make(4), DatasetOrigin.Upload);
        Assert.False(await Has(store, 3));
        Assert.True(await Has(store, 2));

        // Upload 1 is older than inline 2, but inline tables go first.
        await store.SaveAsync(Make(5), DatasetOrigin.Upload);
        Assert.False(await Has(store, 2));
        Assert.True(await Has(store, 1));

        // Only uploads left: the least recently used one goes.
        await store.SaveAsync(Make(6), DatasetOrigin.Upload);
        Assert.False(await Has(store, 1));
        var present = await Task.WhenAll(Enumerable.Range(1, 6).Select(n => Has(store, n)));
        Assert.Equal(new[] { false, false, false, true, true, true }, present);
        Assert.Equal(3 * InMemoryDatasetStore.HeldBytes(Make(0)), store.Bytes);
    }

    [Fact]
    public async Task A_pinned_dataset_is_never_dropped_and_what_cannot_fit_beside_pins_is_refused_until_they_are_released()
    {
        var store = StoreFor(2);
        // Pinned before it is stored, as the HTTP API does for an analysis' inline table.
        store.Pin("analysis-a", Make(1).Id);
        await store.SaveAsync(Make(1), DatasetOrigin.Inline);
        await store.SaveAsync(Make(2), DatasetOrigin.Upload);
        store.Pin("analysis-b", Make(2).Id);

        var full = await Assert.ThrowsAsync<DatasetStoreFullException>(() => store.SaveAsync(Make(3), DatasetOrigin.Upload));
        Assert.True(full.IsTemporary);
        Assert.Contains("--dataset-store-bytes", full.Message, StringComparison.Ordinal);
        Assert.Contains($"{store.CapacityBytes} bytes", full.Message, StringComparison.Ordinal);
        Assert.True(await Has(store, 1) && await Has(store, 2));
        Assert.Equal(store.Bytes, store.PinnedBytes);

        store.Release("analysis-a");
        await store.SaveAsync(Make(3), DatasetOrigin.Upload);
        Assert.False(await Has(store, 1));
        Assert.True(await Has(store, 2) && await Has(store, 3));

        // Released twice, or an owner that never pinned: nothing happens.
        store.Release("analysis-a");
        store.Release("nobody");
        store.Release("analysis-b");
        Assert.Equal(0, store.PinnedBytes);
    }

    [Fact]
    public async Task A_dataset_larger_than_the_store_is_refused_for_good_and_the_store_is_unchanged()
    {
        var store = StoreFor(2);
        await store.SaveAsync(Make(1), DatasetOrigin.Inline);

        var full = await Assert.ThrowsAsync<DatasetStoreFullException>(() => store.SaveAsync(Make(2, values: 1000 * 3), DatasetOrigin.Upload));

        Assert.False(full.IsTemporary);
        Assert.Contains("more than this server's dataset store holds", full.Message, StringComparison.Ordinal);
        Assert.True(await Has(store, 1));
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public async Task Uploading_a_table_that_came_inline_keeps_it_as_an_upload()
    {
        var store = StoreFor(2);
        await store.SaveAsync(Make(1), DatasetOrigin.Inline);
        await store.SaveAsync(Make(2), DatasetOrigin.Upload);
        store.MarkUploaded(Make(1).Id);

        await store.SaveAsync(Make(3), DatasetOrigin.Inline);

        // Both were uploads by then; 2 was the least recently used.
        Assert.True(await Has(store, 1));
        Assert.False(await Has(store, 2));
    }

    [Fact]
    public async Task An_intake_with_an_owner_pins_inline_tables_and_named_datasets_for_it()
    {
        var store = StoreFor(1000);
        await store.SaveAsync(Make(1), DatasetOrigin.Upload);
        var intake = new StoreIntake(store, "analysis-1");

        var id = await intake.AddCsvAsync("a,b\n1,2\n3,4\n", "data", CancellationToken.None);
        Assert.True(await intake.ExistsAsync(Make(1).Id, CancellationToken.None));
        Assert.False(await intake.ExistsAsync(Make(2).Id, CancellationToken.None));

        var inline = await store.LoadAsync(id);
        Assert.Equal(InMemoryDatasetStore.HeldBytes(inline!) + InMemoryDatasetStore.HeldBytes(Make(1)), store.PinnedBytes);
        // The pin on the id that was not there counts once it is stored.
        await store.SaveAsync(Make(2), DatasetOrigin.Upload);
        Assert.Equal(store.Bytes, store.PinnedBytes);

        store.Release("analysis-1");
        Assert.Equal(0, store.PinnedBytes);
        // Without an owner nothing is pinned (the CLI's embedded silo, one analysis, unbounded store).
        await new StoreIntake(store).AddCsvAsync("a,b\n5,6\n", "data", CancellationToken.None);
        Assert.Equal(0, store.PinnedBytes);
    }

    [Fact]
    public async Task The_silo_cache_keeps_to_its_bound_dropping_the_least_recently_used_and_reloads_on_use()
    {
        var store = StoreFor(100);
        for (var n = 1; n <= 5; n++) await store.SaveAsync(Make(n), DatasetOrigin.Upload);
        var size = Make(0).SizeBytes;
        var cache = new DatasetCache(store, 3 * size);

        foreach (var n in new[] { 1, 2, 3, 1, 4 }) await cache.GetAsync(Make(n).Id);

        // 2 was the least recently used when 4 came in.
        Assert.Equal(3 * size, cache.Bytes);
        await cache.GetAsync(Make(5).Id); // drops 3, the least recently used now
        await cache.GetAsync(Make(2).Id); // reloaded from the store, dropping 1
        Assert.Equal(3 * size, cache.Bytes);
        var unknown = await Assert.ThrowsAsync<OrleansRca.Causal.InputException>(() => cache.GetAsync(Make(99).Id));
        Assert.Contains(Make(99).Id, unknown.Message, StringComparison.Ordinal);
        Assert.Equal(3 * size, cache.Bytes);
    }
}
