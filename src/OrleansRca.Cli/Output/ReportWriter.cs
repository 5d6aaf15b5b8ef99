using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
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
        WriteBarChart(Path.Combine(folder, "nie.png"), nie, result["outcome"]!.GetValue<string>());
        var shading = Shading(model, nie, effects);
        File.WriteAllText(Path.Combine(folder, "dag.svg"), DagSvg(model, shading));
        File.WriteAllText(Path.Combine(folder, "dag.dot"), DagDot(model, shading));
        File.WriteAllText(Path.Combine(folder, "report.md"), Markdown(model, result, nie, effects));
        return ["result.json", "nie.png", "dag.svg", "dag.dot", "report.md"];
    }


    private static void WriteBarChart(string path, List<JsonObject> nie, string outcome)
    {
        // One treatment: the mediator names say it all; several: "treatment → mediator".
        var single = nie.Select(p => p["treatment"]!.GetValue<string>()).Distinct().Count() == 1;
        var labels = nie.Select(p => single ? p["mediator"]!.GetValue<string>() : $"{p["treatment"]} → {p["mediator"]}").ToArray();
        var rotate = labels.Length > 1 && labels.Max(l => l.Length) * labels.Length > 60;
        var plot = new ScottPlot.Plot();
        var bars = new List<ScottPlot.Bar>();
        for (var i = 0; i < nie.Count; i++)
        {
            var mean = nie[i]["mean"]!.GetValue<double>();
            var bar = new ScottPlot.Bar
            {
                Position = i, Value = mean,
                FillColor = mean < 0 ? ScottPlot.Color.FromHex("#2b8cbe") : ScottPlot.Color.FromHex("#e34a33"),
            };
            if (nie[i]["mean_ci"] is JsonArray ci)
            {
                // ScottPlot draws symmetric error bars: show the wider side of the percentile interval.
                bar.Error = Math.Max(Math.Abs(mean - ci[0]!.GetValue<double>()), Math.Abs(ci[1]!.GetValue<double>() - mean));
            }
            bars.Add(bar);
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, nie.Count).Select(i => (double)i).ToArray(), labels);
        if (rotate)
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
            plot.Axes.Bottom.TickLabelStyle.Alignment = ScottPlot.Alignment.MiddleLeft;
            plot.Axes.Bottom.MinimumSize = 8 * labels.Max(l => l.Length);
        }
        plot.Title($"Natural indirect effect on {outcome} per unit");
        plot.YLabel("NIE (mean over rows)");
        plot.Add.HorizontalLine(0, 1, ScottPlot.Colors.Black);
        plot.SavePng(path, Math.Max(640, 90 * nie.Count + 200), rotate ? 600 : 480);
    }

    /// <summary>Effect magnitudes in [0, 1] per node and per edge, relative to the largest.</summary>
    private sealed record Shades(double[] Node, Dictionary<(int, int), double> Edge);

    private static Shades Shading(CausalModel model, List<JsonObject> nie, List<JsonObject> effects)
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

    private static string DagSvg(CausalModel model, Shades shades)
    {
        var g = model.Graph;
        var levels = g.Levels();
        const int boxW = 170, boxH = 44, gapX = 90, gapY = 36, margin = 30;
        var pos = new (double X, double Y)[g.Count];
        var tallest = levels.Max(l => l.Length);
        for (var l = 0; l < levels.Length; l++)
            for (var k = 0; k < levels[l].Length; k++)
            {
                var offset = (tallest - levels[l].Length) * (boxH + gapY) / 2.0;
                pos[levels[l][k]] = (margin + l * (boxW + gapX), margin + offset + k * (boxH + gapY));
            }
        var width = margin * 2 + levels.Length * (boxW + gapX) - gapX;
        var height = margin * 2 + tallest * (boxH + gapY) - gapY + 30;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"13\">\n");
        svg.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"11\" markerHeight=\"11\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#444\"/></marker></defs>\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        foreach (var ((p, c), shade) in shades.Edge)
        {
            var (x1, y1) = (pos[p].X + boxW, pos[p].Y + boxH / 2.0);
            var (x2, y2) = (pos[c].X, pos[c].Y + boxH / 2.0);
            if (pos[c].X <= pos[p].X) (x1, x2) = (pos[p].X + boxW / 2.0, pos[c].X + boxW / 2.0);
            var stroke = Blend("#cccccc", "#d94801", shade);
            svg.Append(CultureInfo.InvariantCulture, $"<path d=\"M {x1:0.#} {y1:0.#} C {(x1 + x2) / 2:0.#} {y1:0.#}, {(x1 + x2) / 2:0.#} {y2:0.#}, {x2:0.#} {y2:0.#}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{1.5 + 4 * shade:0.##}\" marker-end=\"url(#arrow)\"/>\n");
        }
        for (var v = 0; v < g.Count; v++)
        {
            var spec = model.Nodes[v];
            var (x, y) = pos[v];
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{y}\" rx=\"8\" width=\"{boxW}\" height=\"{boxH}\" fill=\"{Fill(spec.Role, shades.Node[v])}\" stroke=\"#555\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + boxW / 2.0}\" y=\"{y + 19}\" text-anchor=\"middle\" fill=\"{(shades.Node[v] > 0.6 && spec.Role == NodeRole.Mediator ? "#fff" : "#000")}\">{WebUtility.HtmlEncode(spec.Name)}</text>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + boxW / 2.0}\" y=\"{y + 35}\" text-anchor=\"middle\" font-size=\"10\" fill=\"{(shades.Node[v] > 0.6 && spec.Role == NodeRole.Mediator ? "#fff" : "#555")}\">{spec.Role.ToString().ToLowerInvariant()}</text>\n");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{margin}\" y=\"{height - 10}\" font-size=\"11\" fill=\"#555\">Mediators and edges shaded by |NIE| summed over treatments (darker = more of the effect flows there); treatment edges outside mediators by |NDE|.</text>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string DagDot(CausalModel model, Shades shades)
    {
        var g = model.Graph;
        var dot = new StringBuilder("digraph causal_model {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\"];\n");
        string Q(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        for (var v = 0; v < g.Count; v++)
            dot.Append(CultureInfo.InvariantCulture, $"  {Q(g.Names[v])} [fillcolor=\"{Fill(model.Nodes[v].Role, shades.Node[v])}\"];\n");
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
