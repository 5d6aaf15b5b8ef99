using System.Net.Http.Headers;

namespace OrleansRca.Cluster.Tests;

/// <summary>What the HTTP tests check of the served API: problem documents, and analyses polled to their end.</summary>
public static class HttpAssert
{
    public static async Task ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? detailContains)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal((int)status, (int)problem["status"]!);
        if (detailContains is not null)
            Assert.Contains(detailContains, (string?)problem["detail"] ?? "", StringComparison.Ordinal);
    }

    /// <summary>
    /// Polls <paramref name="location"/> until the analysis is no longer queued or running (or 60 s have passed) and
    /// returns its last document; <paramref name="onPoll"/> checks every document on the way.
    /// </summary>
    public static async Task<JsonObject> FinishedAsync(HttpClient http, Uri location, string? key = null, Action<JsonObject>? onPoll = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonObject document;
        do
        {
            await Task.Delay(20);
            var request = new HttpRequestMessage(HttpMethod.Get, location);
            if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var response = await http.SendAsync(request);
            document = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            onPoll?.Invoke(document);
        }
        while ((string?)document["status"] is "queued" or "running" && DateTime.UtcNow < deadline);
        return document;
    }

    /// <summary>Polls <paramref name="location"/> until the analysis is done; asserts it succeeded and returns its document.</summary>
    public static async Task<JsonObject> SucceededAsync(HttpClient http, Uri location, string? key = null, Action<JsonObject>? onPoll = null)
    {
        var document = await FinishedAsync(http, location, key, onPoll);
        Assert.True((string?)document["status"] == "succeeded", document.ToJsonString());
        return document;
    }

    /// <summary>
    /// Posts <paramref name="request"/> as a <paramref name="kind"/> analysis and polls it to success, checking the API's
    /// answers on the way: 202, queued, at <c>/v1/analyses/{id}</c>; then every document of that id and kind, its progress in [0, 1].
    /// </summary>
    public static async Task<JsonObject> RunAsync(HttpClient http, string kind, JsonNode request)
    {
        var post = await http.PostAsync($"/v1/analyses/{kind}", Json(request));
        Assert.True(post.StatusCode == HttpStatusCode.Accepted, $"{kind}: {post.StatusCode} {await post.Content.ReadAsStringAsync()}");
        var accepted = (await post.Content.ReadFromJsonAsync<JsonObject>())!;
        var id = (string)accepted["id"]!;
        Assert.Equal("queued", (string?)accepted["status"]);
        Assert.Equal($"/v1/analyses/{id}", post.Headers.Location?.OriginalString);
        return await SucceededAsync(http, post.Headers.Location!, onPoll: polled =>
        {
            Assert.Equal(id, (string?)polled["id"]);
            Assert.Equal(kind, (string?)polled["kind"]);
            Assert.InRange((double)polled["progress"]!, 0, 1);
        });
    }
}

/// <summary>Request bodies as the API takes them.</summary>
public static class HttpBodies
{
    public static StringContent Json(JsonNode body) => Json(body.ToJsonString());

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public static StringContent Csv(string text) => new(text, Encoding.UTF8, "text/csv");
}
