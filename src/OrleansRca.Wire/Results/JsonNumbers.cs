namespace OrleansRca.Wire.Results;

/// <summary>Numbers in result documents.</summary>
public static class JsonNumbers
{
    /// <summary>JSON has no NaN or infinity: those become null (a dropped row's scores, an undefined fit figure).</summary>
    public static JsonNode? Finite(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
