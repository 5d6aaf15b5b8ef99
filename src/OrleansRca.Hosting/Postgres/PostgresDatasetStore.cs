using System.Runtime.InteropServices;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace OrleansRca.Hosting.Postgres;

/// <summary>
/// Datasets in PostgreSQL, shared by every silo of the cluster and outliving the silo that received them:
/// the parsed columns as little-endian doubles in chunks of at most <see cref="ChunkDoubles"/> values,
/// written by binary COPY in one transaction (readers never see half a dataset). Each silo keeps what it
/// loads in its <see cref="DatasetCache"/>, so a dataset crosses the network once per silo.
/// </summary>
public sealed class PostgresDatasetStore(NpgsqlDataSource database) : IDatasetStore
{
    /// <summary>1 MiB of doubles per chunk row: large enough to stream fast, small enough for any bytea limit.</summary>
    public const int ChunkDoubles = 128 * 1024;

    public async Task<DatasetInfo?> DescribeAsync(string id, CancellationToken cancellationToken = default)
    {
        var header = await ReadHeaderAsync(id, cancellationToken).ConfigureAwait(false);
        return header is null ? null : new DatasetInfo(id, header.Rows,
            [.. header.Names.Where((_, c) => header.Problems[c] is null)],
            [.. header.Names.Where((_, c) => header.Problems[c] is not null)],
            header.SizeBytes);
    }

    public async Task<DatasetInfo> SaveAsync(Dataset dataset, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Two silos receiving the same upload at once: the second waits here, then finds the first's rows.
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", connection, transaction))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter { Value = dataset.Id });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM rca_datasets WHERE id = $1", connection, transaction))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = dataset.Id });
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return DatasetInfos.Describe(dataset);
            }
        }

        await using (var insert = new NpgsqlCommand(
            "INSERT INTO rca_datasets (id, source, rows, names, problems, size_bytes) VALUES ($1, $2, $3, $4, $5::jsonb, $6)", connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = dataset.Id });
            insert.Parameters.Add(new NpgsqlParameter { Value = dataset.Source });
            insert.Parameters.Add(new NpgsqlParameter { Value = dataset.Rows });
            insert.Parameters.Add(new NpgsqlParameter { Value = dataset.Names.ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(dataset.Problems, DatasetRowsJson.Default.IReadOnlyListCellProblem) });
            insert.Parameters.Add(new NpgsqlParameter { Value = dataset.SizeBytes });
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY rca_dataset_chunks (dataset_id, col, chunk, data) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            for (var c = 0; c < dataset.Columns.Count; c++)
            {
                if (dataset.Columns[c] is not { } values) continue;
                for (int start = 0, chunk = 0; start < values.Length; start += ChunkDoubles, chunk++)
                {
                    var bytes = ToLittleEndianBytes(values.AsSpan(start, Math.Min(ChunkDoubles, values.Length - start)));
                    await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
                    await copy.WriteAsync(dataset.Id, NpgsqlDbType.Char, cancellationToken).ConfigureAwait(false);
                    await copy.WriteAsync(c, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                    await copy.WriteAsync(chunk, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                    await copy.WriteAsync(bytes, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
                }
            }
            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return DatasetInfos.Describe(dataset);
    }

    public async Task<Dataset?> LoadAsync(string id, CancellationToken cancellationToken = default)
    {
        var header = await ReadHeaderAsync(id, cancellationToken).ConfigureAwait(false);
        if (header is null) return null;

        var columns = new double[]?[header.Names.Length];
        for (var c = 0; c < columns.Length; c++)
            if (header.Problems[c] is null) columns[c] = new double[header.Rows];

        await using var command = database.CreateCommand("SELECT col, chunk, data FROM rca_dataset_chunks WHERE dataset_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        var filled = new long[columns.Length];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (c, chunk) = (reader.GetInt32(0), reader.GetInt32(1));
            var target = columns[c] ?? throw new InvalidDataException($"dataset {id}: values stored for non-numeric column {c}");
            var bytes = await reader.GetFieldValueAsync<byte[]>(2, cancellationToken).ConfigureAwait(false);
            var count = bytes.Length / sizeof(double);
            var offset = (long)chunk * ChunkDoubles;
            if (offset + count > target.Length)
                throw new InvalidDataException($"dataset {id}: chunk {chunk} of column '{header.Names[c]}' lies past its {target.Length} rows");
            FromLittleEndianBytes(bytes, target.AsSpan((int)offset, count));
            filled[c] += bytes.Length / sizeof(double);
        }
        for (var c = 0; c < columns.Length; c++)
            if (columns[c] is { } values && filled[c] != values.Length)
                throw new InvalidDataException($"dataset {id}: column '{header.Names[c]}' has {filled[c]} stored values, expected {values.Length}");
        return new Dataset(id, header.Source, header.Names, columns, header.Problems, header.Rows);
    }

    private async Task<Header?> ReadHeaderAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT source, rows, names, problems::text, size_bytes FROM rca_datasets WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        var problems = JsonSerializer.Deserialize(reader.GetString(3), DatasetRowsJson.Default.CellProblemArray)
            ?? throw new InvalidDataException($"dataset {id}: no column problems stored");
        return new Header(reader.GetString(0), reader.GetInt32(1), reader.GetFieldValue<string[]>(2), problems, reader.GetInt64(4));
    }

    private static byte[] ToLittleEndianBytes(ReadOnlySpan<double> values)
    {
        var bytes = MemoryMarshal.AsBytes(values).ToArray();
        if (!BitConverter.IsLittleEndian) ReverseEach(bytes);
        return bytes;
    }

    private static void FromLittleEndianBytes(byte[] bytes, Span<double> target)
    {
        if (!BitConverter.IsLittleEndian) ReverseEach(bytes);
        MemoryMarshal.Cast<byte, double>(bytes).CopyTo(target);
    }

    private static void ReverseEach(byte[] bytes)
    {
        for (var i = 0; i < bytes.Length; i += sizeof(double)) Array.Reverse(bytes, i, sizeof(double));
    }

    private sealed record Header(string Source, int Rows, string[] Names, CellProblem?[] Problems, long SizeBytes);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<CellProblem?>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(CellProblem?[]))]
internal sealed partial class DatasetRowsJson : System.Text.Json.Serialization.JsonSerializerContext;
