namespace OrleansRca.Causal.Tests.Discrete;

public sealed class BifReaderTests
{
    [Theory]
    [InlineData("alarm", 37, 105, 46)]
    [InlineData("asia", 8, 16, 8)]
    [InlineData("cancer", 5, 10, 4)]
    [InlineData("child", 20, 60, 25)]
    [InlineData("earthquake", 5, 10, 4)]
    [InlineData("sachs", 11, 33, 17)]
    [InlineData("survey", 6, 14, 6)]
    public void Reads_the_bnlearn_networks(string name, int nodes, int states, int edges)
    {
        var net = DiscreteData.Load(name);
        Assert.Equal(nodes, net.Count);
        Assert.Equal(states, net.StateCount);
        Assert.Equal(edges, net.Variables.Sum(v => v.Parents.Count));
        var position = new int[net.Count];
        for (var t = 0; t < net.Count; t++) position[net.TopologicalOrder[t]] = t;
        Assert.All(net.Variables, v => Assert.All(v.Parents, p => Assert.True(position[p] < position[v.Index])));
    }

    [Fact]
    public void Rows_are_laid_out_by_their_labels()
    {
        // Oracle: asia.bif lists P(either | lung, tub) with labels; (no, yes) -> 1.0, 0.0 and (no, no) -> 0.0, 1.0.
        var net = DiscreteData.Load("asia");
        var either = net["either"];
        Assert.Equal(["lung", "tub"], either.Parents.Select(p => net.Variables[p].Name));
        // Row index = lung * 2 + tub (last parent fastest); states yes = 0, no = 1.
        Assert.Equal([1.0, 0.0], either.Cpt.Slice((1 * 2 + 0) * 2, 2).ToArray());
        Assert.Equal([0.0, 1.0], either.Cpt.Slice((1 * 2 + 1) * 2, 2).ToArray());
        Assert.Equal(0.9999999, DiscreteData.Load("alarm")["HREKG"].Cpt[..3].ToArray().Sum(), 15);
    }

    [Fact]
    public void Comments_properties_and_default_rows_are_understood()
    {
        var net = BifReader.Parse("""
            // a comment
            network "tiny" { property author = me ; }
            variable A { type discrete [ 2 ] { a0, a1 }; property position = (1, 2) ; }
            /* block
               comment */
            variable B { type discrete [ 3 ] { b0, b1, b2 }; }
            probability ( A ) { table 0.25, 0.75; }
            probability ( B | A ) {
              (a1) 0.1, 0.2, 0.7;
              default 0.5, 0.25, 0.25;
            }
            """);
        Assert.Equal("\"tiny\"", net.Name);
        Assert.Equal([0.5, 0.25, 0.25, 0.1, 0.2, 0.7], net["B"].Cpt.ToArray());
    }

    public static TheoryData<string, string[]> BadFiles => new()
    {
        {
            Asia.Replace("probability ( tub | asia )", "probability ( tub | ghost )"),
            ["tub", "unknown parent", "ghost"]
        },
        {
            Asia.Replace("(yes) 0.05, 0.95;", "(yes) 0.05, 0.90, 0.05;"),
            ["tub", "row (yes)", "3 values, expected 2"]
        },
        {
            Asia.Replace("(yes) 0.6, 0.4;", "(yes) 1.2, -0.2;"),
            ["bronc", "row (yes)", "outside [0, 1]"]
        },
        {
            Asia.Replace("(no, yes) 0.7, 0.3;", "(no, yes) 0.7, 0.2;"),
            ["dysp", "row (no, yes)", "sum to 0.9", "not 1"]
        },
        {
            Asia.Replace("table 0.01, 0.99;", "table 0.0101, 0.99;"),
            ["asia", "table", "sum to 1.0001"]
        },
        {
            Asia.Replace("(yes) 0.1, 0.9;\n  (no) 0.01, 0.99;", "(yes) 0.1, 0.9;"),
            ["lung", "no probabilities for row (no)"]
        },
        {
            Asia.Replace("(yes) 0.98, 0.02;", "(maybe) 0.98, 0.02;"),
            ["xray", "'maybe' is not a state of parent 'either'"]
        },
        {
            Asia.Replace("probability ( asia ) {\n  table 0.01, 0.99;\n}", "probability ( asia | dysp ) {\n  (yes) 0.01, 0.99;\n  (no) 0.01, 0.99;\n}"),
            ["cycle", "asia", "dysp"]
        },
        {
            Asia.Replace("probability ( smoke ) {", "probability ( smoker ) {"),
            ["unknown node 'smoker'"]
        },
        {
            Asia + "variable asia {\n  type discrete [ 2 ] { yes, no };\n}\n",
            ["'asia' is declared twice"]
        },
        {
            Asia.Replace("type discrete [ 2 ] { yes, no };\n}\nvariable tub", "type discrete [ 3 ] { yes, no };\n}\nvariable tub"),
            ["'asia' declares 3 states but lists 2"]
        },
        {
            Asia.Replace("(yes) 0.6, 0.4;", "(yes) 0.6, zero;"),
            ["bronc", "row (yes)", "'zero' is not a number"]
        },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Invalid_files_give_an_input_error_naming_node_and_row(string text, string[] fragments)
    {
        var e = Assert.Throws<InputException>(() => BifReader.Parse(text));
        foreach (var f in fragments)
            Assert.Contains(f, e.Message);
    }

    [Fact]
    public void The_unmodified_template_is_valid()
    {
        Assert.Equal(8, BifReader.Parse(Asia).Count);
    }

    private static readonly string Asia = File.ReadAllText(DiscreteData.Dir("bif", "asia.bif")).Replace("\r\n", "\n");
}
