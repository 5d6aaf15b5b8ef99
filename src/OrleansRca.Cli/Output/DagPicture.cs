using System.Diagnostics;
using System.Net;
using System.Text;
using OrleansRca.Causal.Graphs;

namespace OrleansRca.Cli.Output;

/// <summary>A node's box in the picture: top-left corner and size, in SVG user units.</summary>
public readonly record struct Box(double X, double Y, double Width, double Height)
{
    public double Right => X + Width;
    public double Bottom => Y + Height;

    /// <summary>Whether the point lies strictly inside the box, <paramref name="inset"/> away from its border.</summary>
    public bool Contains((double X, double Y) p, double inset) =>
        p.X > X + inset && p.X < Right - inset && p.Y > Y + inset && p.Y < Bottom - inset;
}

/// <summary>
/// One edge as a chain of cubic Bézier pieces (start, control 1, control 2, end; each piece starts where the last
/// ended), from the right side of the parent's box to the left side of the child's.
/// </summary>
public sealed record EdgeRoute(int Parent, int Child, IReadOnlyList<((double X, double Y) A, (double X, double Y) B, (double X, double Y) C, (double X, double Y) D)> Pieces)
{
    public (double X, double Y) Start => Pieces[0].A;
    public (double X, double Y) End => Pieces[^1].D;

    /// <summary>Points along the curve, <paramref name="perPiece"/> per piece (for geometry checks).</summary>
    public IEnumerable<(double X, double Y)> Sample(int perPiece)
    {
        foreach (var (a, b, c, d) in Pieces)
            for (var k = 0; k <= perPiece; k++)
            {
                var t = k / (double)perPiece;
                var u = 1 - t;
                double At(double p0, double p1, double p2, double p3) => u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3;
                yield return (At(a.X, b.X, c.X, d.X), At(a.Y, b.Y, c.Y, d.Y));
            }
    }
}

/// <summary>The fallback picture's geometry: a box per node and a route per edge.</summary>
public sealed record DagLayout(IReadOnlyList<Box> Boxes, IReadOnlyList<EdgeRoute> Edges, double Width, double Height);

/// <summary>
/// The DAG as a picture. With Graphviz's <c>dot</c> on the PATH it lays the graph out; otherwise a layered layout
/// (Sugiyama style) in which an edge spanning several layers passes through a slot of its own in each layer it
/// crosses, so no edge runs behind a box it does not end at, and each edge ends at its own point on its child's
/// left side, so arrowheads never merge.
/// </summary>
public static class DagPicture
{
    private const double ArrowLength = 10, BoxHeight = 44, GapX = 80, GapY = 26, SlotHeight = 10, Margin = 30, CharWidth = 7.8;

    /// <summary>Graphviz's SVG of <paramref name="dot"/>, or null when <c>dot</c> is not installed or fails.</summary>
    public static string? Graphviz(string dot)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("dot", "-Tsvg")
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            });
            if (process is null) return null;
            process.StandardInput.Write(dot);
            process.StandardInput.Close();
            var errors = process.StandardError.ReadToEndAsync();
            var svg = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            _ = errors.Result;
            return process.ExitCode == 0 && svg.Contains("<svg", StringComparison.Ordinal) ? svg : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Not on the PATH: the caller draws the fallback layout.
            return null;
        }
    }

    /// <summary>The layered layout of <paramref name="graph"/>, left to right; box widths fit <paramref name="labels"/>.</summary>
    public static DagLayout Layout(CausalGraph graph, IReadOnlyList<string> labels)
    {
        var levels = graph.Levels();
        var level = new int[graph.Count];
        for (var l = 0; l < levels.Length; l++) foreach (var v in levels[l]) level[v] = l;

        // Slots per layer: real nodes (index >= 0) and, for an edge crossing the layer, a dummy (-1 - edge).
        var edges = new List<(int Parent, int Child)>();
        for (var c = 0; c < graph.Count; c++) foreach (var p in graph.Parents[c]) edges.Add((p, c));
        var layers = levels.Select(l => l.Select(v => (long)v).ToList()).ToArray();
        var chain = new List<long>[edges.Count];
        for (var e = 0; e < edges.Count; e++)
        {
            var (p, c) = edges[e];
            chain[e] = [p];
            for (var l = level[p] + 1; l < level[c]; l++)
            {
                var dummy = -1L - (e * (long)levels.Length + l);
                layers[l].Add(dummy);
                chain[e].Add(dummy);
            }
            chain[e].Add(c);
        }
        var up = new Dictionary<long, List<long>>();
        var down = new Dictionary<long, List<long>>();
        foreach (var path in chain)
            for (var k = 0; k + 1 < path.Count; k++)
            {
                Neighbours(down, path[k]).Add(path[k + 1]);
                Neighbours(up, path[k + 1]).Add(path[k]);
            }

        // Fewer crossings: a few barycentre sweeps, down then up (order within a layer only).
        for (var sweep = 0; sweep < 6; sweep++)
        {
            var downward = sweep % 2 == 0;
            for (var i = 1; i < layers.Length; i++)
            {
                var l = downward ? i : layers.Length - 1 - i;
                var fixedLayer = layers[downward ? l - 1 : l + 1];
                var rank = fixedLayer.Select((v, k) => (v, k)).ToDictionary(x => x.v, x => (double)x.k);
                var adjacency = downward ? up : down;
                layers[l] = layers[l].Select((v, k) => (v, k, key: adjacency.TryGetValue(v, out var n) && n.Count > 0 ? n.Average(w => rank[w]) : k))
                    .OrderBy(x => x.key).ThenBy(x => x.k).Select(x => x.v).ToList();
            }
        }

        // A box is tall enough to give every edge its own port 12 units from the next (arrowheads are 10 tall).
        double Height(long slot) => slot >= 0
            ? Math.Max(BoxHeight, 12 * (Math.Max(graph.Parents[(int)slot].Length, graph.Children[(int)slot].Length) + 1))
            : SlotHeight;
        var columnWidth = levels.Select(l => l.Max(v => Math.Max(120, CharWidth * labels[v].Length + 24))).ToArray();
        var columnX = new double[levels.Length];
        for (var l = 1; l < levels.Length; l++) columnX[l] = columnX[l - 1] + columnWidth[l - 1] + GapX;
        var tallest = layers.Max(l => l.Sum(Height) + GapY * (l.Count - 1));
        var y = new Dictionary<long, double>();
        var boxes = new Box[graph.Count];
        for (var l = 0; l < layers.Length; l++)
        {
            var top = Margin + (tallest - (layers[l].Sum(Height) + GapY * (layers[l].Count - 1))) / 2;
            foreach (var slot in layers[l])
            {
                if (slot >= 0) boxes[slot] = new Box(Margin + columnX[l], top, columnWidth[l], Height(slot));
                y[slot] = top + Height(slot) / 2;
                top += Height(slot) + GapY;
            }
        }

        // Each edge leaves its parent and enters its child at its own point, spread over the box's side in the
        // order of the other ends, so arrowheads stay apart and edges do not cross just beside a box.
        var ports = new Dictionary<(int Edge, bool Out), double>();
        for (var v = 0; v < graph.Count; v++)
        {
            var outgoing = Enumerable.Range(0, edges.Count).Where(e => edges[e].Parent == v).OrderBy(e => y[chain[e][1]]).ToList();
            var incoming = Enumerable.Range(0, edges.Count).Where(e => edges[e].Child == v).OrderBy(e => y[chain[e][^2]]).ToList();
            for (var k = 0; k < outgoing.Count; k++) ports[(outgoing[k], true)] = boxes[v].Y + boxes[v].Height * (k + 1) / (outgoing.Count + 1);
            for (var k = 0; k < incoming.Count; k++) ports[(incoming[k], false)] = boxes[v].Y + boxes[v].Height * (k + 1) / (incoming.Count + 1);
        }

        var routes = new List<EdgeRoute>();
        for (var e = 0; e < edges.Count; e++)
        {
            var (p, c) = edges[e];
            // Waypoints: out of the parent, across each crossed layer at its dummy's height, into the child.
            var points = new List<(double X, double Y)> { (boxes[p].Right, ports[(e, true)]) };
            for (var l = level[p] + 1; l < level[c]; l++)
            {
                var dy = y[chain[e][l - level[p]]];
                points.Add((Margin + columnX[l], dy));
                points.Add((Margin + columnX[l] + columnWidth[l], dy));
            }
            points.Add((boxes[c].X, ports[(e, false)]));
            var pieces = new List<((double, double), (double, double), (double, double), (double, double))>();
            for (var k = 0; k + 1 < points.Count; k++)
            {
                var (a, d) = (points[k], points[k + 1]);
                // Control points share the ends' heights and lie between their x: the curve stays in that x range,
                // which is a gap between columns (or a dummy's own slot), so it meets no other box.
                var mid = (a.X + d.X) / 2;
                pieces.Add((a, (mid, a.Y), (mid, d.Y), d));
            }
            routes.Add(new EdgeRoute(p, c, pieces));
        }
        var width = 2 * Margin + columnX[^1] + columnWidth[^1];
        return new DagLayout(boxes, routes, width, 2 * Margin + tallest);
    }

    private static List<long> Neighbours(Dictionary<long, List<long>> map, long key)
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = [];
        return list;
    }

    /// <summary>Node styling for the SVG: fill colour, name, a second line, and whether the text is light.</summary>
    public sealed record NodeStyle(string Fill, string Name, string Subtitle, bool LightText);

    /// <summary>The fallback layout as SVG: one path (and one arrowhead) per edge, boxes drawn over nothing but their own ends.</summary>
    public static string Svg(DagLayout layout, IReadOnlyList<NodeStyle> nodes, IReadOnlyList<(string Colour, double Width)> edgeStyles, string caption)
    {
        var height = layout.Height + 30;
        // The caption is one line of 11 px text (about 6 px a character): the picture is at least that wide.
        var width = Math.Max(layout.Width, 2 * Margin + 6 * caption.Length);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:0.#}\" height=\"{height:0.#}\" font-family=\"sans-serif\" font-size=\"13\">\n");
        svg.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"0\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"10\" markerHeight=\"10\" orient=\"auto\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#444\"/></marker></defs>\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        for (var e = 0; e < layout.Edges.Count; e++)
        {
            var route = layout.Edges[e];
            var d = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"M {route.Start.X:0.##} {route.Start.Y:0.##}"));
            for (var k = 0; k < route.Pieces.Count; k++)
            {
                var (a, b, c, end) = route.Pieces[k];
                if (k == route.Pieces.Count - 1)
                {
                    // The line stops where the arrowhead (10 units, pointing along the horizontal end tangent)
                    // begins, so a thick stroke does not run over the tip, which touches the box.
                    end = (end.X - ArrowLength, end.Y);
                    var mid = (a.X + end.X) / 2;
                    (b, c) = ((mid, b.Y), (mid, c.Y));
                }
                d.Append(CultureInfo.InvariantCulture, $" C {b.X:0.##} {b.Y:0.##}, {c.X:0.##} {c.Y:0.##}, {end.X:0.##} {end.Y:0.##}");
            }
            svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{d}\" fill=\"none\" stroke=\"{edgeStyles[e].Colour}\" stroke-width=\"{edgeStyles[e].Width:0.##}\" marker-end=\"url(#arrow)\"/>\n");
        }
        for (var v = 0; v < layout.Boxes.Count; v++)
        {
            var (box, node) = (layout.Boxes[v], nodes[v]);
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{box.X:0.#}\" y=\"{box.Y:0.#}\" rx=\"8\" width=\"{box.Width:0.#}\" height=\"{box.Height:0.#}\" fill=\"{node.Fill}\" stroke=\"#555\"/>\n");
            var cx = box.X + box.Width / 2;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{cx:0.#}\" y=\"{box.Y + box.Height / 2 - 3:0.#}\" text-anchor=\"middle\" fill=\"{(node.LightText ? "#fff" : "#000")}\">{WebUtility.HtmlEncode(node.Name)}</text>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{cx:0.#}\" y=\"{box.Y + box.Height / 2 + 13:0.#}\" text-anchor=\"middle\" font-size=\"10\" fill=\"{(node.LightText ? "#fff" : "#555")}\">{WebUtility.HtmlEncode(node.Subtitle)}</text>\n");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Margin}\" y=\"{height - 10:0.#}\" font-size=\"11\" fill=\"#555\">{WebUtility.HtmlEncode(caption)}</text>\n");
        return svg.Append("</svg>\n").ToString();
    }
}
