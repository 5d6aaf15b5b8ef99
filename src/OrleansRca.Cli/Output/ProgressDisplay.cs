using Spectre.Console;

namespace OrleansRca.Cli.Output;

/// <summary>
/// A progress bar on standard error while long work runs (standard output stays clean for JSON).
/// Shown only when standard error is a terminal; otherwise the work runs silently.
/// </summary>
public static class ProgressDisplay
{
    public static IAnsiConsole Error { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    public static async Task<T> RunAsync<T>(string title, Func<IProgress<double>?, Task<T>> work)
    {
        if (Console.IsErrorRedirected) return await work(null);
        T result = default!;
        await Error.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(title, maxValue: 1.0);
                var progress = new Progress<double>(p => task.Value = Math.Clamp(p, 0, 1));
                result = await work(progress);
                task.Value = 1.0;
            });
        return result;
    }
}
