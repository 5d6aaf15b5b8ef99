using System.Net;
using System.Text;
using System.Text.Json;
using OrleansRca.Causal.Models;

namespace OrleansRca.Cli.Output;

/// <summary>
/// The report folder of a mediation analysis: the JSON result, a bar chart of the NIEs (PNG, ScottPlot),
/// the DAG with mediators and edges shaded by effect (SVG, plus Graphviz DOT), and a short Markdown summary.
/// </summary>
public static class ReportWriter
{
    public static IReadOnlyList<string> Write(string folder, JsonObject modelJson, JsonObject result)
    {
        Directory.CreateDirectory(folder);
        var model = ModelFile.FromJson(modelJson);
        var nie = result["nie"]!.AsArray().Select(x => x!.AsObject()).ToList();
        var effects = result["effects"]!.AsArray().Select(x => x!.AsObject()).ToList();

        File.WriteAllText(Path.Combine(folder, "result.json"), result.ToJsonString(CliExit.Indented));
        WriteBarChart(Path.Combine(folder, "nie.png"), model, result);
        var shading = Shading(model, nie, effects);
        var dot = DagDot(model, shading);
        // Graphviz lays the graph out best; without it, our layered layout (edges routed around boxes).
        File.WriteAllText(Path.Combine(folder, "dag.svg"), DagPicture.Graphviz(dot) ?? FallbackDagSvg(model, shading));
        File.WriteAllText(Path.Combine(folder, "dag.dot"), dot);
        File.WriteAllText(Path.Combine(folder, "report.md"), Markdown(model, result, nie, effects));
        return ["result.json", "nie.png", "dag.svg", "dag.dot", "report.md"];
    }


    /// <summary>
    /// Pairs whose NIE is zero by the graph alone: the mediator is not downstream of the treatment, or the outcome
    /// not downstream of the mediator. They say nothing about the data, so the chart lists them instead of drawing them.
    /// </summary>
    public static bool IsStructuralZero(CausalModel model, string treatment, string mediator, string outcome)
    {
        var g = model.Graph;
        if (!g.TryGetIndex(treatment, out var t) || !g.TryGetIndex(mediator, out var m) || !g.TryGetIndex(outcome, out var y)) return false;
        return !g.Descendants([t])[m] || !g.Descendants([m])[y];
    }

    private static readonly ScottPlot.Color Raises = ScottPlot.Color.FromHex("#e34a33"), Lowers = ScottPlot.Color.FromHex("#2b8cbe");

    /// <summary>
    /// Horizontal bars of the NIE per mediator, one panel per treatment, the interval drawn as its own two ends
    /// (percentile intervals are not symmetric about the mean), structural zeros left out and named under the panel.
    /// </summary>
    public static void WriteBarChart(string path, CausalModel model, JsonObject result)
    {
        var outcome = result["outcome"]!.GetValue<string>();
        var contrast = $"treated: {result["treated"]}, untreated: {result["untreated"]}";
        var nie = result["nie"]!.AsArray().Select(x => x!.AsObject()).ToList();
        var treatments = nie.Select(p => p["treatment"]!.GetValue<string>()).Distinct().ToList();
        // No mediators: still one (empty) panel per treatment, so the picture says so rather than failing.
        if (treatments.Count == 0) treatments = [.. result["effects"]!.AsArray().Select(e => e!["treatment"]!.GetValue<string>())];
        if (treatments.Count == 0) treatments = ["(none)"];
        var panels = new List<(ScottPlot.Plot Plot, int Bars)>();
        var longestLine = 0;
        foreach (var treatment in treatments)
        {
            var pairs = nie.Where(p => p["treatment"]!.GetValue<string>() == treatment).ToList();
            var shown = pairs.Where(p => !IsStructuralZero(model, treatment, p["mediator"]!.GetValue<string>(), outcome)).ToList();
            var omitted = pairs.Except(shown).Select(p => p["mediator"]!.GetValue<string>()).ToList();
            var plot = new ScottPlot.Plot();
            longestLine = Math.Max(longestLine, 90 + treatment.Length + outcome.Length + omitted.Sum(m => m.Length + 2));
            // Top to bottom in the result's order: position 0 is drawn lowest, so count down.
            var bars = shown.Select((p, i) =>
            {
                var mean = p["mean"]!.GetValue<double>();
                return new ScottPlot.Bar { Position = shown.Count - 1 - i, Value = mean, FillColor = mean < 0 ? Lowers : Raises, Size = 0.6 };
            }).ToList();
            var barPlot = plot.Add.Bars(bars);
            barPlot.Horizontal = true;
            var intervals = false;
            for (var i = 0; i < shown.Count; i++)
            {
                if (shown[i]["mean_ci"] is not JsonArray ci) continue;
                intervals = true;
                var (low, high, y) = (ci[0]!.GetValue<double>(), ci[1]!.GetValue<double>(), (double)(shown.Count - 1 - i));
                foreach (var (x1, y1, x2, y2) in new[] { (low, y, high, y), (low, y - 0.15, low, y + 0.15), (high, y - 0.15, high, y + 0.15) })
                {
                    var line = plot.Add.Line(x1, y1, x2, y2);
                    line.LineWidth = 1.5f;
                    line.LineColor = ScottPlot.Colors.Black;
                }
            }
            plot.Axes.Left.SetTicks([.. Enumerable.Range(0, shown.Count).Select(i => (double)(shown.Count - 1 - i))],
                [.. shown.Select(p => p["mediator"]!.GetValue<string>())]);
            plot.Add.VerticalLine(0, 1, ScottPlot.Colors.Black);
            var title = $"Natural indirect effect of {treatment} on {outcome} per unit ({contrast})";
            plot.Title(title, 13);
            longestLine = Math.Max(longestLine, (int)(1.2 * title.Length));
            plot.XLabel(omitted.Count == 0
                ? "NIE (mean over rows)"
                : $"NIE (mean over rows)\nNot drawn, zero by the graph alone (no path {treatment} → mediator → {outcome}): {string.Join(", ", omitted)}", 11);
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = $"raises {outcome}", FillColor = Raises });
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = $"lowers {outcome}", FillColor = Lowers });
            if (intervals && result["bootstrap"] is { } b)
                plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = $"95% interval\n({b} resamples)", LineColor = ScottPlot.Colors.Black, LineWidth = 1.5f });
            // Beside the axes, not over the bars.
            plot.ShowLegend(ScottPlot.Edge.Right);
            panels.Add((plot, Math.Max(1, shown.Count)));
        }
        // Wide enough for the longest line under a panel (about 7 px a character at 11 pt).
        var width = Math.Max(900, 7 * longestLine + 40);
        var heights = panels.Select(p => 150 + 46 * p.Bars).ToList();
        var multiplot = new ScottPlot.Multiplot(panels[0].Plot);
        foreach (var (plot, _) in panels.Skip(1)) ScottPlot.IMultiplotExtensions.AddPlot(multiplot, plot);
        var total = heights.Sum();
        var rows = new ScottPlot.MultiplotLayouts.DraggableRows();
        rows.SetHeights(heights.Select(h => (float)h));
        multiplot.Layout = rows;
        ScottPlot.IMultiplotExtensions.SavePng(multiplot, path, width, total);
    }

    /// <summary>Effect magnitudes in [0, 1] per node and per edge, relative to the largest.</summary>
    public sealed record Shades(double[] Node, Dictionary<(int, int), double> Edge);

    public static Shades Shading(CausalModel model, List<JsonObject> nie, List<JsonObject> effects)
    {
        var g = model.Graph;
        var node = new double[g.Count];
        foreach (var p in nie)
            if (g.TryGetIndex(p["mediator"]!.GetValue<string>(), out var m)) node[m] += Math.Abs(p["mean"]!.GetValue<double>());
        var direct = new double[g.Count];
        foreach (var e in effects)
            if (g.TryGetIndex(e["treatment"]!.GetValue<string>(), out var t)) direct[t] = Math.Abs(e["nde_mean"]!.GetValue<double>());
        var max = Math.Max(node.Max(), direct.Max());
        if (max > 0) for (var v = 0; v < g.Count; v++) { node[v] /= max; direct[v] /= max; }
        var edge = new Dictionary<(int, int), double>();
        for (var c = 0; c < g.Count; c++)
            foreach (var p in g.Parents[c])
            {
                // An edge into or out of a mediator carries that mediator's share; a treatment's
                // other edges carry its direct effect.
                var shade = Math.Max(model.Nodes[c].Role == NodeRole.Mediator ? node[c] : 0, model.Nodes[p].Role == NodeRole.Mediator ? node[p] : 0);
                if (model.Nodes[p].Role == NodeRole.Treatment && model.Nodes[c].Role != NodeRole.Mediator) shade = direct[p];
                edge[(p, c)] = shade;
            }
        return new Shades(node, edge);
    }

    private static string Fill(NodeRole role, double shade) => role switch
    {
        NodeRole.Treatment => "#9ecae1",
        NodeRole.Outcome => "#a1d99b",
        NodeRole.Mediator => Blend("#fff5eb", "#d94801", shade),
        _ => "#eeeeee",
    };

    private static string Blend(string from, string to, double t)
    {
        int C(string hex, int i) => int.Parse(hex.AsSpan(1 + 2 * i, 2), NumberStyles.HexNumber);
        var rgb = Enumerable.Range(0, 3).Select(i => (int)Math.Round(C(from, i) + (C(to, i) - C(from, i)) * Math.Clamp(t, 0, 1)));
        return "#" + string.Concat(rgb.Select(x => x.ToString("x2", CultureInfo.InvariantCulture)));
    }

    private const string DagCaption = "Mediators and edges shaded by |NIE| summed over treatments (darker = more of the effect flows there); treatment edges outside mediators by |NDE|.";

    /// <summary>The fallback picture (no Graphviz): the layered layout of <see cref="DagPicture"/>.</summary>
    public static string FallbackDagSvg(CausalModel model, Shades shades)
    {
        var g = model.Graph;
        var nodes = Enumerable.Range(0, g.Count).Select(v => new DagPicture.NodeStyle(
            Fill(model.Nodes[v].Role, shades.Node[v]), g.Names[v], model.Nodes[v].Role.ToString().ToLowerInvariant(),
            shades.Node[v] > 0.6 && model.Nodes[v].Role == NodeRole.Mediator)).ToList();
        var layout = DagPicture.Layout(g, g.Names);
        var styles = layout.Edges.Select(e => shades.Edge[(e.Parent, e.Child)])
            .Select(s => (Blend("#cccccc", "#d94801", s), 1.5 + 4 * s)).ToList();
        return DagPicture.Svg(layout, nodes, styles, DagCaption);
    }

    private static string DagDot(CausalModel model, Shades shades)
    {
        var g = model.Graph;
        string Q(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        var dot = new StringBuilder("digraph causal_model {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\", fontsize=12];\n");
        dot.Append(CultureInfo.InvariantCulture, $"  label={Q(DagCaption)}; labelloc=b; labeljust=l; fontname=\"sans-serif\"; fontsize=10;\n");
        for (var v = 0; v < g.Count; v++)
        {
            var light = shades.Node[v] > 0.6 && model.Nodes[v].Role == NodeRole.Mediator;
            var label = g.Names[v].Replace("\\", "\\\\").Replace("\"", "\\\"") + "\\n" + model.Nodes[v].Role.ToString().ToLowerInvariant();
            dot.Append(CultureInfo.InvariantCulture, $"  {Q(g.Names[v])} [label=\"{label}\", fillcolor=\"{Fill(model.Nodes[v].Role, shades.Node[v])}\"{(light ? ", fontcolor=white" : "")}];\n");
        }
        foreach (var ((p, c), shade) in shades.Edge)
            dot.Append(CultureInfo.InvariantCulture, $"  {Q(g.Names[p])} -> {Q(g.Names[c])} [color=\"{Blend("#cccccc", "#d94801", shade)}\", penwidth={1 + 3 * shade:0.##}];\n");
        return dot.Append("}\n").ToString();
    }

    private static string Markdown(CausalModel model, JsonObject result, List<JsonObject> nie, List<JsonObject> effects)
    {
        string F(JsonNode? n) => MediationTables.Format(n);
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# Mediation report: {model.Name}\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Outcome `{result["outcome"]}`, {result["rows"]} rows, treated `{result["treated"]}`, untreated `{result["untreated"]}`.\n\n");
        md.Append("![NIE per pair](nie.png)\n\n![DAG shaded by effect](dag.svg)\n\n");
        md.Append("| treatment | mediator | NIE mean | NIE total | interval | method |\n|---|---|---:|---:|---|---|\n");
        foreach (var p in nie)
            md.Append(CultureInfo.InvariantCulture, $"| {p["treatment"]} | {p["mediator"]} | {F(p["mean"])} | {F(p["total"])} | {(p["mean_ci"] is JsonArray ci ? $"[{F(ci[0])}, {F(ci[1])}]" : "")} | {p["method"]} |\n");
        md.Append("\n| treatment | TE mean | TE total | NDE mean | NDE total |\n|---|---:|---:|---:|---:|\n");
        foreach (var e in effects)
            md.Append(CultureInfo.InvariantCulture, $"| {e["treatment"]} | {F(e["te_mean"])} | {F(e["te_total"])} | {F(e["nde_mean"])} | {F(e["nde_total"])} |\n");
        return md.ToString();
    }
}
