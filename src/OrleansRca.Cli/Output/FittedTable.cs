using Spectre.Console.Rendering;

namespace OrleansRca.Cli.Output;

/// <summary>
/// Writes a table so that no number is ever split across lines: as it is when its natural width fits the console
/// (the terminal's width, 80 columns when output is piped), otherwise in a long format, one block per row with one
/// "column  value" line per cell (plain text: colour is dropped there). Spectre would squeeze the columns instead and wrap cells mid-number.
/// </summary>
public static class FittedTable
{
    public static void Write(IAnsiConsole console, Table table)
    {
        if (NaturalWidth(table) <= console.Profile.Width)
        {
            console.Write(table);
            return;
        }
        if (table.Title is { } title) console.Write(new Markup($"[bold]{Markup.Escape(title.Text)}[/]\n"));
        var headers = table.Columns.Select(c => Plain(c.Header)).ToList();
        var labelWidth = headers.Skip(1).Select(h => h.Length).DefaultIfEmpty(0).Max();
        var text = new System.Text.StringBuilder();
        foreach (var row in table.Rows)
        {
            var cells = row.Select(Plain).ToList();
            // The first column names the row; each other cell becomes "label  value", its lines joined when they fit.
            text.Append(cells[0].Length == 0 ? "" : $"{cells[0]}  ({headers[0]})").Append('\n');
            for (var k = 1; k < cells.Count; k++)
            {
                var lines = cells[k].Split('\n');
                var label = "  " + headers[k].PadRight(labelWidth) + "  ";
                var joined = string.Join("  ", lines);
                if (label.Length + joined.Length <= console.Profile.Width) text.Append(label).Append(joined).Append('\n');
                else
                {
                    // Long lines (a reason sentence) wrap between words under their own column, not back at the margin.
                    var wrapped = lines.SelectMany(line => WrapWords(line, console.Profile.Width - label.Length)).ToList();
                    for (var i = 0; i < wrapped.Count; i++)
                        text.Append(i == 0 ? label : new string(' ', label.Length)).Append(wrapped[i]).Append('\n');
                }
            }
        }
        console.Write(new Text(text.ToString()));
        if (table.Caption is { } caption) console.Write(new Markup($"{Markup.Escape(caption.Text)}\n"));
    }

    /// <summary>
    /// <paramref name="line"/> cut between words into lines of at most <paramref name="width"/> characters; a word
    /// longer than that keeps a line to itself (a number is never split).
    /// </summary>
    internal static IEnumerable<string> WrapWords(string line, int width)
    {
        var current = new System.Text.StringBuilder();
        foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current.Length > 0 && current.Length + 1 + word.Length > width)
            {
                yield return current.ToString();
                current.Clear();
            }
            if (current.Length > 0) current.Append(' ');
            current.Append(word);
        }
        yield return current.ToString();
    }

    /// <summary>A cell or header as plain text, one string with its lines (trailing blanks removed).</summary>
    private static string Plain(IRenderable renderable) =>
        string.Join('\n', Render(renderable).TrimEnd('\n').Split('\n').Select(l => l.TrimEnd()));

    private static string Render(IRenderable renderable)
    {
        var writer = new StringWriter();
        var wide = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(writer), Interactive = InteractionSupport.No,
        });
        wide.Profile.Width = 10_000;
        wide.Write(renderable);
        return writer.ToString().Replace("\r", "", StringComparison.Ordinal);
    }

    /// <summary>The width the table takes when nothing limits it: its longest rendered line.</summary>
    public static int NaturalWidth(IRenderable renderable) => Render(renderable).Split('\n').Max(line => line.TrimEnd().Length);
}
