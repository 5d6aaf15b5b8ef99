namespace OrleansRca.Hosting;

/// <summary>
/// Typed reads of optional configuration keys (null when absent): a value of the wrong form is an
/// <see cref="InputException"/> naming the key and its environment variable, so a typo in a deployment fails at start-up.
/// </summary>
internal static class ConfigurationValues
{
    public static int? Integer(IConfigurationSection section, string key) =>
        Read<int>(section, key, "an integer", text => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null);

    public static long? Bytes(IConfigurationSection section, string key) =>
        Read<long>(section, key, "an integer (bytes)", text => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null);

    public static TimeSpan? Duration(IConfigurationSection section, string key) =>
        Read<TimeSpan>(section, key, "a duration such as 00:10:00", text => TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : null);

    private static T? Read<T>(IConfigurationSection section, string key, string expected, Func<string, T?> parse) where T : struct
    {
        var text = section[key];
        if (text is null) return null;
        return parse(text) ?? throw new InputException($"configuration {section.Path}:{key} (environment variable {section.Path}__{key}) must be {expected}, not '{text}'");
    }
}
