using OrleansRca.Wire.Requests;

namespace OrleansRca.Causal.Tests.Models;

/// <summary>Numbers read alike whether parsed from text or built in code (int, long, double backing).</summary>
public sealed class JsonNumberTests
{
    [Fact]
    public void EveryBackingReads()
    {
        var built = new JsonObject { ["i"] = 60, ["l"] = 1_000_000L, ["d"] = 0.5, ["s"] = "x" };
        var parsed = JsonNode.Parse(built.ToJsonString())!.AsObject();
        foreach (var o in new[] { built, parsed })
        {
            Assert.Equal(60, RequestJson.OptionalInt(o, "i"));
            Assert.True(DocumentJson.TryGetNumber(o["l"], out var l) && l == 1e6);
            Assert.Equal(0.5, RequestJson.OptionalNumber(o, "d"));
            Assert.False(DocumentJson.TryGetNumber(o["s"], out _));
        }
    }
}
