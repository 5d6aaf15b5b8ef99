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

    public static Task RunAsync(string title, Func<IProgress<double>?, Task> work) =>
        RunAsync(title, async progress =>
        {
            await work(progress);
            return true;
        });
}

/// <summary>Reports 0..1 as offset..offset+scale, synchronously: one part of a longer run's bar.</summary>
public sealed class ScaledProgress(IProgress<double> inner, double offset, double scale) : IProgress<double>
{
    public void Report(double value) => inner.Report(offset + scale * value);
}

/// <summary>
/// A run of <paramref name="steps"/> equal steps on one bar (or on none): each step may report its own 0..1
/// through <see cref="Current"/>, and <see cref="Done"/> moves the bar to the step's end.
/// </summary>
public sealed class StepProgress(IProgress<double>? progress, int steps)
{
    private int _done;

    /// <summary>The current step's own progress, 0..1 within its share of the bar; null when there is no bar.</summary>
    public IProgress<double>? Current => progress is null ? null : new ScaledProgress(progress, (double)_done / steps, 1.0 / steps);

    /// <summary>The current step is finished.</summary>
    public void Done() => progress?.Report((double)++_done / steps);
}
