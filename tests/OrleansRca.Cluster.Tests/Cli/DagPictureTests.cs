using System.Text.RegularExpressions;
using OrleansRca.Cli.Output;

namespace OrleansRca.Cluster.Tests.Cli;

/// <summary>
/// The fallback DAG layout (no Graphviz) checked as geometry: every edge curve, sampled densely, stays out of
/// every box's inside, and each edge ends on its own child's left side at a point of its own (one arrowhead per edge).
/// </summary>
public sealed class DagPictureTests
{
    public static TheoryData<string> Models => new()
    {
        Path.Combine("samples", "late-deliveries", "model.json"),
        Path.Combine("data", "dowhy-microservice", "model.json"),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void No_edge_crosses_a_box_and_every_edge_has_its_own_arrowhead(string modelPath)
    {
        var model = ModelFile.Load(Path.Combine(AppContext.BaseDirectory, modelPath));
        var layout = DagPicture.Layout(model.Graph, model.Graph.Names);

        Assert.Equal(model.Graph.EdgeCount, layout.Edges.Count);
        foreach (var edge in layout.Edges)
        {
            // 0.5 units inside the border: a curve may touch its own boxes' sides where it starts and ends.
            foreach (var point in edge.Sample(64))
                for (var v = 0; v < layout.Boxes.Count; v++)
                    Assert.False(layout.Boxes[v].Contains(point, 0.5),
                        $"edge {model.Graph.Names[edge.Parent]} -> {model.Graph.Names[edge.Child]} passes through the box of {model.Graph.Names[v]} at {point}");
            var (from, to) = (layout.Boxes[edge.Parent], layout.Boxes[edge.Child]);
            Assert.Equal(from.Right, edge.Start.X, 6);
            Assert.InRange(edge.Start.Y, from.Y, from.Bottom);
            Assert.Equal(to.X, edge.End.X, 6);
            Assert.InRange(edge.End.Y, to.Y, to.Bottom);
        }
        // Arrowheads (10 units tall) into the same box must not overlap.
        foreach (var group in layout.Edges.GroupBy(e => e.Child))
        {
            var ends = group.Select(e => e.End.Y).Order().ToList();
            for (var k = 1; k < ends.Count; k++) Assert.True(ends[k] - ends[k - 1] >= 10, $"arrowheads into {model.Graph.Names[group.Key]} overlap");
        }
        // No two boxes overlap.
        for (var a = 0; a < layout.Boxes.Count; a++)
            for (var b = a + 1; b < layout.Boxes.Count; b++)
            {
                var (p, q) = (layout.Boxes[a], layout.Boxes[b]);
                Assert.True(p.Right <= q.X || q.Right <= p.X || p.Bottom <= q.Y || q.Bottom <= p.Y, $"boxes {a} and {b} overlap");
            }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void The_fallback_svg_draws_one_path_and_one_arrowhead_per_edge(string modelPath)
    {
        var model = ModelFile.Load(Path.Combine(AppContext.BaseDirectory, modelPath));
        var shades = new ReportWriter.Shades(new double[model.Graph.Count],
            model.Graph.Parents.SelectMany((ps, c) => ps.Select(p => (p, c))).ToDictionary(e => e, _ => 0.5));
        var svg = ReportWriter.FallbackDagSvg(model, shades);

        Assert.Equal(model.Graph.EdgeCount, Regex.Count(svg, "<path d=\"M [^\"]*\"[^>]*marker-end=\"url\\(#arrow\\)\""));
        Assert.Equal(1, Regex.Count(svg, "<marker "));
        Assert.Equal(model.Graph.Count, Regex.Count(svg, "<rect x="));
        foreach (var name in model.Graph.Names) Assert.Contains($">{System.Net.WebUtility.HtmlEncode(name)}</text>", svg);
    }
}

/// <summary>The NIE chart leaves out the pairs that are zero by the graph alone.</summary>
public sealed class NieChartTests
{
    [Fact]
    public void Structural_zeros_of_the_microservice_graph_are_the_pairs_without_a_path()
    {
        var model = ModelFile.Load(Path.Combine(AppContext.BaseDirectory, "data", "dowhy-microservice", "model.json"));
        string[] treatments = ["Product DB", "Customer DB", "Order DB", "Shipping Cost Service"];
        string[] mediators = ["Caching Service", "Product Service", "Auth Service", "Order Service", "API", "www"];
        // Read off the model's edges by hand: each DB reaches only its own services and what they feed.
        var expected = new HashSet<(string, string)>
        {
            ("Product DB", "Auth Service"), ("Product DB", "Order Service"),
            ("Customer DB", "Caching Service"), ("Customer DB", "Order Service"),
            ("Order DB", "Caching Service"), ("Order DB", "Product Service"), ("Order DB", "Auth Service"),
            ("Shipping Cost Service", "Caching Service"), ("Shipping Cost Service", "Auth Service"), ("Shipping Cost Service", "Order Service"),
        };
        var found = treatments.SelectMany(t => mediators.Select(m => (t, m)))
            .Where(p => ReportWriter.IsStructuralZero(model, p.t, p.m, "Website")).ToHashSet();
        Assert.Equal(expected.Order(), found.Order());
    }
}
