using OrleansRca.Causal.Models;
using OrleansRca.Causal.Synthetic;

namespace OrleansRca.Cli.Commands;

/// <summary><c>generate</c>: seeded rows from a fully specified model with a "noise" section (e.g. a sample's truth.json).</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A fully specified model file with optional per-node noise distributions.", Required = true };
        var rows = new Option<int>("--rows") { Description = "Rows to draw.", DefaultValueFactory = _ => 10_000 };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "CSV file to write.", Required = true };
        var format = CommonOptions.Format();
        var command = new Command("generate", "Draw synthetic data from a fully specified causal model.") { model, rows, seed, output, format };
        command.SetAction((parse, ct) => CliExit.RunAsync(_ =>
        {
            var asJson = CommonOptions.IsJson(parse.GetValue(format)!);
            var count = parse.GetValue(rows);
            if (count < 1) throw new InputException($"--rows must be at least 1, not {count}");
            var json = MediateCommand.ReadModel(parse.GetValue(model)!);
            var data = Generate(json, count, parse.GetValue(seed));
            var path = parse.GetValue(output)!;
            File.WriteAllText(path, SyntheticData.ToCsv(data));
            // The data go to the file; standard output says what was written (one JSON document with --format json).
            if (asJson)
                CliExit.WriteJson(new System.Text.Json.Nodes.JsonObject
                {
                    ["out"] = path, ["rows"] = data.Rows, ["seed"] = parse.GetValue(seed),
                    ["columns"] = new System.Text.Json.Nodes.JsonArray([.. data.Names.Select(n => (System.Text.Json.Nodes.JsonNode?)n)]),
                });
            else Console.WriteLine($"wrote {data.Rows} rows of {data.Names.Count} columns to {path}");
            return Task.FromResult(CliExit.Ok);
        }, ct));
        return command;
    }

    public static Causal.Data.DataTable Generate(System.Text.Json.Nodes.JsonObject truth, int rows, int seed)
    {
        var model = ModelFile.FromJson(truth, "truth model");
        var noise = truth["noise"] as System.Text.Json.Nodes.JsonObject;
        if (truth["noise"] is not null && noise is null) throw new InputException("'noise' must be an object keyed by node name");
        return SyntheticData.Generate(model, noise, rows, seed);
    }
}
