using System.Text;

namespace OrleansRca.Causal.Discrete;

/// <summary>
/// Reads discrete Bayesian networks in the BIF format of the bnlearn repository (as written by pgmpy):
/// <c>variable X { type discrete [ K ] { s1, ..., sK }; }</c> declarations and
/// <c>probability ( X | P1, P2 ) { (p1, p2) v1, ..., vK; ... }</c> tables; a root uses <c>table v1, ..., vK;</c>.
/// <c>property</c> lines, the <c>network</c> block and <c>//</c> or <c>/* */</c> comments are skipped;
/// <c>default v1, ..., vK;</c> fills the rows not listed. A <c>table</c> line on a variable with parents
/// follows pgmpy: K runs, one per state of X, each over the parent configurations (last parent fastest).
/// Probabilities are kept exactly as written.
/// </summary>
public static class BifReader
{
    /// <summary>Reads a BIF file.</summary>
    /// <exception cref="InputException">Malformed file or invalid network (the message names the node and row).</exception>
    public static BayesianNetwork Load(string path)
    {
        var text = File.ReadAllText(path);
        try
        {
            return Parse(text);
        }
        catch (InputException e)
        {
            throw new InputException($"{Path.GetFileName(path)}: {e.Message}");
        }
    }

    /// <summary>Parses BIF text.</summary>
    /// <exception cref="InputException">Malformed text or invalid network.</exception>
    public static BayesianNetwork Parse(string text)
    {
        var p = new Parser(Tokenize(text));
        return p.ParseNetwork();
    }

    private readonly record struct Token(string Text, bool IsPunct, int Line);

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>(text.Length / 4);
        var line = 1;
        var i = 0;
        var word = new StringBuilder();
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\n') { line++; i++; continue; }
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n') i++;
                continue;
            }
            if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (end < 0) throw new InputException($"line {line}: unterminated comment");
                for (var j = i; j < end; j++) if (text[j] == '\n') line++;
                i = end + 2;
                continue;
            }
            if (IsPunct(c))
            {
                tokens.Add(new Token(c.ToString(), true, line));
                i++;
                continue;
            }
            word.Clear();
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && !IsPunct(text[i]))
                word.Append(text[i++]);
            tokens.Add(new Token(word.ToString(), false, line));
        }
        return tokens;
    }

    private static bool IsPunct(char c) => c is '{' or '}' or '(' or ')' or '[' or ']' or ',' or ';' or '|';

    private sealed class Parser(List<Token> tokens)
    {
        private int _pos;
        private readonly List<(string Name, string[] States)> _variables = [];
        private readonly Dictionary<string, int> _varIndex = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (string[] Parents, double[] Cpt)> _tables = new(StringComparer.Ordinal);
        private string _name = "";

        private bool AtEnd => _pos >= tokens.Count;
        private Token Peek => AtEnd ? new Token("end of file", true, tokens.Count > 0 ? tokens[^1].Line : 1) : tokens[_pos];

        public BayesianNetwork ParseNetwork()
        {
            while (!AtEnd)
            {
                var t = Next();
                switch (t.Text)
                {
                    case "network":
                        if (!Peek.IsPunct) _name = Next().Text;
                        SkipBlock();
                        break;
                    case "variable":
                        ParseVariable();
                        break;
                    case "probability":
                        ParseProbability();
                        break;
                    default:
                        throw Error(t, $"expected 'network', 'variable' or 'probability', found '{t.Text}'");
                }
            }
            if (_variables.Count == 0)
                throw new InputException("the file declares no variables");

            var specs = new List<VariableSpec>(_variables.Count);
            foreach (var (name, states) in _variables)
            {
                if (!_tables.TryGetValue(name, out var table))
                    throw new InputException($"node '{name}' has no probability block");
                specs.Add(new VariableSpec(name, states, table.Parents, table.Cpt));
            }
            return BayesianNetwork.Create(_name, specs);
        }

        private void ParseVariable()
        {
            var nameTok = ExpectWord("a variable name");
            var name = nameTok.Text;
            if (_varIndex.ContainsKey(name))
                throw Error(nameTok, $"node '{name}' is declared twice");
            Expect("{");
            string[]? states = null;
            while (Peek.Text != "}")
            {
                var t = Next();
                if (t.Text == "type")
                {
                    var kind = ExpectWord("'discrete'");
                    if (kind.Text != "discrete")
                        throw Error(kind, $"node '{name}': only discrete variables are supported, not '{kind.Text}'");
                    Expect("[");
                    var countTok = ExpectWord("the number of states");
                    if (!int.TryParse(countTok.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
                        throw Error(countTok, $"node '{name}': '{countTok.Text}' is not a number of states");
                    Expect("]");
                    Expect("{");
                    var list = ReadWordList("}", $"node '{name}': a state name");
                    Expect("}");
                    Expect(";");
                    if (list.Count != count)
                        throw Error(countTok, $"node '{name}' declares {count} states but lists {list.Count}");
                    states = [.. list];
                }
                else if (t.Text == "property")
                {
                    SkipStatement();
                }
                else
                {
                    throw Error(t, $"node '{name}': unexpected '{t.Text}' in the variable block");
                }
            }
            Expect("}");
            if (states is null)
                throw Error(nameTok, $"node '{name}' has no 'type discrete' line");
            _varIndex[name] = _variables.Count;
            _variables.Add((name, states));
        }

        private void ParseProbability()
        {
            var open = Expect("(");
            var node = ExpectWord("a variable name").Text;
            var parents = new List<string>();
            if (Peek.Text == "|")
            {
                Next();
                parents = ReadWordList(")", $"node '{node}': a parent name");
            }
            Expect(")");
            if (!_varIndex.TryGetValue(node, out var vi))
                throw Error(open, $"probability block for unknown node '{node}'");
            if (_tables.ContainsKey(node))
                throw Error(open, $"node '{node}' has two probability blocks");
            var parentStates = new string[parents.Count][];
            for (var p = 0; p < parents.Count; p++)
            {
                if (!_varIndex.TryGetValue(parents[p], out var pi))
                    throw Error(open, $"node '{node}' names unknown parent '{parents[p]}'");
                parentStates[p] = _variables[pi].States;
            }

            var k = _variables[vi].States.Length;
            long rowCount = 1;
            foreach (var s in parentStates)
            {
                rowCount *= s.Length;
                if (rowCount > int.MaxValue / Math.Max(16, k))
                    throw Error(open, $"node '{node}': the table has too many rows");
            }
            var rows = (int)rowCount;
            var cpt = new double[rows * k];
            var filled = new bool[rows];
            double[]? defaultRow = null;

            Expect("{");
            while (Peek.Text != "}")
            {
                var t = Next();
                if (t.Text == "table")
                {
                    var values = ReadNumbers(node, "table");
                    if (values.Count != rows * k)
                        throw Error(t, $"node '{node}', table: {values.Count} values, expected {rows * k}");
                    // pgmpy's layout: state-major, then parent configurations.
                    for (var s = 0; s < k; s++)
                        for (var r = 0; r < rows; r++)
                            cpt[r * k + s] = values[s * rows + r];
                    Array.Fill(filled, true);
                }
                else if (t.Text == "default")
                {
                    var values = ReadNumbers(node, "default row");
                    if (values.Count != k)
                        throw Error(t, $"node '{node}', default row: {values.Count} values, expected {k}");
                    defaultRow = [.. values];
                }
                else if (t.Text == "property")
                {
                    SkipStatement();
                }
                else if (t.Text == "(")
                {
                    var labels = ReadWordList(")", $"node '{node}': a parent state");
                    Expect(")");
                    var rowName = "(" + string.Join(", ", labels) + ")";
                    if (labels.Count != parents.Count)
                        throw Error(t, $"node '{node}', row {rowName}: {labels.Count} parent states, expected {parents.Count}");
                    var r = 0;
                    for (var p = 0; p < labels.Count; p++)
                    {
                        var s = Array.IndexOf(parentStates[p], labels[p]);
                        if (s < 0)
                            throw Error(t, $"node '{node}', row {rowName}: '{labels[p]}' is not a state of parent '{parents[p]}'");
                        r = r * parentStates[p].Length + s;
                    }
                    var values = ReadNumbers(node, $"row {rowName}");
                    if (values.Count != k)
                        throw Error(t, $"node '{node}', row {rowName}: {values.Count} values, expected {k}");
                    if (filled[r])
                        throw Error(t, $"node '{node}', row {rowName} is given twice");
                    for (var s = 0; s < k; s++) cpt[r * k + s] = values[s];
                    filled[r] = true;
                }
                else
                {
                    throw Error(t, $"node '{node}': unexpected '{t.Text}' in the probability block");
                }
            }
            Expect("}");
            for (var r = 0; r < rows; r++)
            {
                if (filled[r]) continue;
                if (defaultRow is null)
                    throw Error(open, $"node '{node}': no probabilities for row ({RowName(parentStates, r)})");
                defaultRow.CopyTo(cpt, r * k);
            }
            _tables[node] = ([.. parents], cpt);
        }

        private static string RowName(string[][] parentStates, int row)
        {
            var labels = new string[parentStates.Length];
            for (var p = labels.Length - 1; p >= 0; p--)
            {
                labels[p] = parentStates[p][row % parentStates[p].Length];
                row /= parentStates[p].Length;
            }
            return string.Join(", ", labels);
        }

        private List<double> ReadNumbers(string node, string where)
        {
            var values = new List<double>();
            while (true)
            {
                var t = Next();
                if (t.IsPunct)
                    throw Error(t, $"node '{node}', {where}: expected a probability, found '{t.Text}'");
                if (!double.TryParse(t.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                    throw Error(t, $"node '{node}', {where}: '{t.Text}' is not a number");
                values.Add(v);
                var sep = Next();
                if (sep.Text == ";") return values;
                if (sep.Text != ",")
                    throw Error(sep, $"node '{node}', {where}: expected ',' or ';', found '{sep.Text}'");
            }
        }

        /// <summary>Reads "a, b, c" up to (not including) <paramref name="close"/>; commas are optional.</summary>
        private List<string> ReadWordList(string close, string what)
        {
            var list = new List<string>();
            while (Peek.Text != close)
            {
                var t = Next();
                if (t.Text == ",") continue;
                if (t.IsPunct) throw Error(t, $"expected {what}, found '{t.Text}'");
                list.Add(t.Text);
            }
            return list;
        }

        private void SkipStatement()
        {
            while (Next().Text != ";") { }
        }

        private void SkipBlock()
        {
            Expect("{");
            var depth = 1;
            while (depth > 0)
            {
                var t = Next();
                if (t.Text == "{") depth++;
                else if (t.Text == "}") depth--;
            }
        }

        private Token Next()
        {
            if (AtEnd)
                throw new InputException($"line {Peek.Line}: unexpected end of file");
            return tokens[_pos++];
        }

        private Token Expect(string text)
        {
            var t = Next();
            if (t.Text != text)
                throw Error(t, $"expected '{text}', found '{t.Text}'");
            return t;
        }

        private Token ExpectWord(string what)
        {
            var t = Next();
            if (t.IsPunct)
                throw Error(t, $"expected {what}, found '{t.Text}'");
            return t;
        }

        private static InputException Error(Token at, string message) => new($"line {at.Line}: {message}");
    }
}
