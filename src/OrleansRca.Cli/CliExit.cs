using System.Text.Json;

namespace OrleansRca.Cli;

/// <summary>Exit codes of the contract (section 4) and the one place exceptions become them.</summary>
public static class CliExit
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadInput = 2;

    /// <summary>Runs a verb body: InputException (and unreadable files) give 2, anything else 1.</summary>
    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken);
        }
        catch (InputException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return BadInput;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return BadInput;
        }
        catch (OrleansRca.Hosting.ClusterUnavailableException e)
        {
            Console.Error.WriteLine($"error: {e.Message.Split('\n')[0]}");
            return Failure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("cancelled");
            return Failure;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"failed: {e}");
            return Failure;
        }
    }

    // Relaxed escaping: "+50%" stays "+50%" rather than "\u002B50%"; the output is a file or a pipe, never HTML.
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>With --format json, standard output holds exactly this one document.</summary>
    public static void WriteJson(JsonNode document) => Console.Out.WriteLine(document.ToJsonString(Indented));
}
