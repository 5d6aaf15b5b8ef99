namespace OrleansRca.Abstractions;

/// <summary>
/// Bad user input found inside a grain (e.g. collinear parents while fitting). The core's
/// <c>InputException</c> does not cross grain boundaries with its type intact, so grains rethrow it as this.
/// </summary>
[GenerateSerializer, Alias("rca.BadInputException")]
public sealed class BadInputException : Exception
{
    public BadInputException() { }

    public BadInputException(string message) : base(message) { }

    public BadInputException(string message, Exception inner) : base(message, inner) { }
}
