using OrleansRca.Cli.Output;

namespace OrleansRca.Cluster.Tests.Cli;

/// <summary>Out-of-range and conflicting options are one-line errors with exit 2, before any work starts.</summary>
[Collection("console")]
public sealed class OptionValidationTests
{
    private static string Data(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "data", .. parts]);

    [Theory]
    // ALARM has 105 states in 37 variables: at most 68 (variable, state) interventions.
    [InlineData("intervention counts must be between 0 and 68", "dimm-eval", "--network", "{alarm}", "--n-ivn", "500")]
    [InlineData("--seeds must be between 1 and 100, not 0", "dimm-eval", "--network", "{alarm}", "--seeds", "0")]
    [InlineData("--repetitions must be between 1 and 1000, not 0", "dimm-eval", "--instances", "{dimm}", "--repetitions", "0")]
    [InlineData("--network and --instances exclude each other", "dimm-eval", "--network", "{alarm}", "--instances", "{dimm}")]
    [InlineData("--network and --bif-dir exclude each other", "dimm-eval", "--network", "{alarm}", "--bif-dir", "{bif}")]
    [InlineData("--n-ivn applies only with --network", "dimm-eval", "--instances", "{dimm}", "--n-ivn", "5")]
    [InlineData("--seeds applies only with --network", "dimm-eval", "--instances", "{dimm}", "--seeds", "2")]
    [InlineData("--em applies only with --network", "dimm-eval", "--instances", "{dimm}", "--em")]
    [InlineData("--seeds applies only with --rootclam", "localize-eval", "--microservice", "{micro}", "--seeds", "3")]
    [InlineData("--components applies only with --mitigate", "localize-eval", "--rootclam", "loan", "--components", "2")]
    [InlineData("--components must be between 1 and 1000, not 0", "localize-eval", "--rootclam", "loan", "--mitigate", "pca", "--components", "0")]
    [InlineData("--missing applies only with --petshop", "localize-eval", "--microservice", "{micro}", "--missing", "drop")]
    [InlineData("--mitigate applies only with --rootclam", "localize-eval", "--microservice", "{micro}", "--mitigate", "pca")]
    [InlineData("--cost applies only with --mitigate", "localize-eval", "--rootclam", "loan", "--cost", "unit")]
    [InlineData("--cost takes sd or unit, not 'euro'", "localize-eval", "--rootclam", "loan", "--mitigate", "pca", "--cost", "euro")]
    // Checked before the localization protocol runs, not after it.
    [InlineData("--rootclam takes loan or adult, not 'lone'", "localize-eval", "--rootclam", "loan", "--rootclam", "lone")]
    [InlineData("alpha '0' is not a positive number", "localize-eval", "--rootclam", "loan", "--mitigate", "pca", "--alphas", "0")]
    public async Task A_bad_option_is_one_line_and_exit_2(string message, params string[] args)
    {
        var resolved = args.Select(a => a switch
        {
            "{alarm}" => Data("bif", "alarm.bif"),
            "{bif}" => Data("bif"),
            "{dimm}" => Data("dimm"),
            "{micro}" => Data("dowhy-microservice"),
            _ => a,
        }).ToArray();
        var started = System.Diagnostics.Stopwatch.StartNew();

        var outcome = await CliRunner.RunAsync(resolved);

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains(message, outcome.Stderr, StringComparison.Ordinal);
        Assert.Single(outcome.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", outcome.Stdout);
        // Checked before any solve (the oracle of ALARM takes about a second).
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"took {started.Elapsed}");
    }

    [Fact]
    public void The_protocol_reports_progress_from_start_to_end_in_order()
    {
        var oracle = new ExactInference(BifReader.Load(Data("bif", "asia.bif"))).AllInterventional();
        var seen = new List<double>();

        DimmEvaluation.Protocol(oracle, [0, 2], [1000], seeds: 2, repetitions: 1, progress: new Recorder(seen));

        // 2 counts x 1 size x 2 seeds: four samplings (first half), then four solves (second half).
        Assert.Equal([0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0], seen);
    }

    [Fact]
    public void The_protocol_refuses_more_interventions_than_the_network_has()
    {
        var oracle = new ExactInference(BifReader.Load(Data("bif", "asia.bif"))).AllInterventional();
        // Asia: 8 binary variables, 16 states, one left out per variable: 8 interventions at most.
        var error = Assert.Throws<InputException>(() => DimmEvaluation.Protocol(oracle, [9], [1000], seeds: 1, repetitions: 1));
        Assert.Contains("between 0 and 8", error.Message, StringComparison.Ordinal);
        Assert.Single(DimmEvaluation.Protocol(oracle, [8], [1000], seeds: 1, repetitions: 1));
    }

    [Fact]
    public void The_mitigation_protocol_reports_progress_per_setting()
    {
        var seen = new List<double>();

        MitigationEvaluation.Run("loan", given: false, normalRows: 2_000, anomalyRows: 50, seed: 0,
            [DetectorKind.Mahalanobis, DetectorKind.Pca], [1.0, 2.0], pi: 0.125, progress: new Recorder(seen));

        // 2 detectors x 2 alphas.
        Assert.Equal([0.25, 0.5, 0.75, 1.0], seen);
    }

    [Fact]
    public void Localize_eval_steps_share_one_bar_in_order()
    {
        var seen = new List<double>();
        var steps = new StepProgress(new Recorder(seen), 4);

        steps.Done();
        steps.Current!.Report(0.5); // half of the second step, e.g. a mitigation setting's own progress
        steps.Done();
        steps.Done();
        steps.Done();

        Assert.Equal([0.25, 0.375, 0.5, 0.75, 1.0], seen);
        Assert.Null(new StepProgress(null, 3).Current); // no bar (standard error redirected): nothing to report to
    }

    private sealed class Recorder(List<double> seen) : IProgress<double>
    {
        public void Report(double value) => seen.Add(value);
    }
}
