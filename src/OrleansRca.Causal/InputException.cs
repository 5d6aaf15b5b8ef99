namespace OrleansRca.Causal;

/// <summary>
/// Bad input from the user: a malformed model, data file, network, mixture or option.
/// The message names the offending node, column, row or value. The CLI maps it to exit code 2
/// and the HTTP API to a 400 problem+json answer.
/// </summary>
public sealed class InputException(string message) : Exception(message);
