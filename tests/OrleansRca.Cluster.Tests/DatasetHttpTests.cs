using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace OrleansRca.Cluster.Tests;

/// <summary>Contract section 6, datasets: data sent once, named by a content-derived id in many analyses.</summary>
public sealed class DatasetHttpTests(ServerFixture fixture) : ServerTests(fixture)
{
    private async Task<JsonObject> UploadAsync(HttpContent content, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var response = await Http.PostAsync("/v1/datasets", content);
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>The result document of a mediation of <paramref name="request"/> that must succeed.</summary>
    private async Task<JsonObject> ResultAsync(JsonObject request) =>
        (await HttpAssert.RunAsync(Http, AnalysisKinds.Mediation, request))["result"]!.AsObject();

    [Fact]
    public async Task The_same_content_gets_the_same_id_and_is_described_by_get()
    {
        var csv = TestAnalyses.Csv(rows: 50, seed: 21);

        var first = await UploadAsync(Csv(csv));
        var second = await UploadAsync(Csv(csv));
        var other = await UploadAsync(Csv(TestAnalyses.Csv(rows: 50, seed: 22)));

        var id = (string)first["id"]!;
        Assert.Equal(id, (string?)second["id"]);
        Assert.NotEqual(id, (string?)other["id"]);
        Assert.Equal(50, (int)first["rows"]!);
        Assert.Contains("T 3", first["columns"]!.AsArray().Select(c => (string?)c));
        var described = (await Http.GetFromJsonAsync<JsonObject>($"/v1/datasets/{id}"))!;
        Assert.Equal(id, (string?)described["id"]);
        Assert.Equal(50, (int)described["rows"]!);
    }

    [Fact]
    public async Task An_analysis_over_a_dataset_equals_the_same_analysis_with_the_csv_inlined_to_the_last_digit()
    {
        var inline = TestAnalyses.Request(rows: 400, seed: 23);
        var id = (string)(await UploadAsync(Csv((string)inline["data"]!)))["id"]!;
        var byReference = inline.DeepClone().AsObject();
        byReference["data"] = new JsonObject { ["dataset"] = id };

        var a = await ResultAsync(inline);
        var b = await ResultAsync(byReference);

        Assert.Equal(a.ToJsonString(), b.ToJsonString());
        JsonAssert.Equal(TestAnalyses.CoreResult(inline), b);
    }

    [Fact]
    public async Task An_arrow_upload_serves_the_same_analysis_as_its_csv()
    {
        var request = TestAnalyses.Request(rows: 300, seed: 24);
        var csvText = (string)request["data"]!;
        var lines = csvText.Trim().Split('\n');
        var names = lines[0].Split(',');
        var columns = names.Select((_, c) => lines.Skip(1).Select(l => double.Parse(l.Split(',')[c], System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var schema = new Schema(names.Select(n => new Field(n, Apache.Arrow.Types.DoubleType.Default, false)), null);
        using var stream = new MemoryStream();
        using (var writer = new ArrowStreamWriter(stream, schema))
        {
            writer.WriteRecordBatch(new RecordBatch(schema, columns.Select(c => (IArrowArray)new DoubleArray.Builder().AppendRange(c).Build()), c0(columns)));
            writer.WriteEnd();
        }
        var content = new ByteArrayContent(stream.ToArray());
        content.Headers.ContentType = new("application/vnd.apache.arrow.stream");

        var id = (string)(await UploadAsync(content))["id"]!;
        var byArrow = request.DeepClone().AsObject();
        byArrow["data"] = new JsonObject { ["dataset"] = id };

        Assert.Equal((await ResultAsync(request)).ToJsonString(), (await ResultAsync(byArrow)).ToJsonString());

        static int c0(double[][] c) => c[0].Length;
    }

    [Fact]
    public async Task Unknown_ids_are_404_for_get_and_400_for_an_analysis()
    {
        var get = await Http.GetAsync($"/v1/datasets/{new string('a', 32)}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal("application/problem+json", get.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/v1/datasets/not-an-id")).StatusCode);

        var request = TestAnalyses.Request(rows: 20);
        request["data"] = new JsonObject { ["dataset"] = new string('b', 32) };
        var post = await Http.PostAsync("/v1/analyses/mediation", Json(request));

        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        Assert.Contains("no dataset has the id", await post.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/vnd.apache.arrow.stream", "Arrow")]
    [InlineData("application/vnd.apache.parquet", "Parquet")]
    public async Task A_corrupt_body_is_400_naming_the_format(string contentType, string name)
    {
        var content = new ByteArrayContent("ARROW1\0\0 this is not a stream, nor PAR1"u8.ToArray());
        content.Headers.ContentType = new(contentType);

        var response = await Http.PostAsync("/v1/datasets", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(name, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_media_type_is_415_and_a_bad_cell_is_named_when_an_analysis_needs_its_column()
    {
        var json = Json("{}");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Http.PostAsync("/v1/datasets", json)).StatusCode);

        // A text column is kept out of the numbers; an analysis that needs it is told which cell.
        var request = TestAnalyses.Request(rows: 30, seed: 25);
        var csv = ((string)request["data"]!).Replace("\n", ",note\n", StringComparison.Ordinal);
        csv = csv[..csv.IndexOf('\n', StringComparison.Ordinal)].Replace(",note", ",label", StringComparison.Ordinal) + csv[csv.IndexOf('\n', StringComparison.Ordinal)..];
        var upload = await UploadAsync(Csv(csv));
        Assert.Contains("label", upload["non_numeric_columns"]!.AsArray().Select(c => (string?)c));
        request["data"] = new JsonObject { ["dataset"] = (string)upload["id"]! };
        await HttpAssert.RunAsync(Http, AnalysisKinds.Mediation, request);

        // Column O (a model node) of data row 5; the last column ('ignored') is not in the model.
        var broken = ((string)TestAnalyses.Request(rows: 30, seed: 26)["data"]!).Split('\n');
        var cells = broken[5].Split(',');
        cells[8] = "n/a";
        broken[5] = string.Join(',', cells);
        var id = (string)(await UploadAsync(Csv(string.Join('\n', broken))))["id"]!;
        request["data"] = new JsonObject { ["dataset"] = id };
        var post = await Http.PostAsync("/v1/analyses/mediation", Json(request));
        var document = post.StatusCode == HttpStatusCode.Accepted ? await HttpAssert.FinishedAsync(Http, post.Headers.Location!) : null;
        var message = document?["error"]?["message"]?.ToString() ?? await post.Content.ReadAsStringAsync();
        Assert.Contains("column 'O', row 5: 'n/a' is not a number", message, StringComparison.Ordinal);
    }
}
