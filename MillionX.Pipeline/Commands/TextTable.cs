namespace MillionX.Pipeline.Commands;

/// <summary>
/// The one way commands print a table: a header, a <c>-+-</c> rule and rows, columns padded to their widest cell
/// (at most <c>maxWidth</c>; longer cells end in an ellipsis), trailing spaces trimmed.
/// </summary>
public static class TextTable
{
    public static string Render(IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows, int maxWidth = int.MaxValue)
    {
        var widths = header.Select((h, i) => Math.Min(maxWidth, rows.Select(r => r[i].Length).Append(h.Length).Max())).ToArray();
        string Line(IReadOnlyList<string> cells) =>
            string.Join(" | ", cells.Select((c, i) => (c.Length > widths[i] ? c[..(widths[i] - 1)] + "…" : c).PadRight(widths[i]))).TrimEnd();
        var sb = new StringBuilder();
        sb.AppendLine(Line(header));
        sb.AppendLine(string.Join("-+-", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            sb.AppendLine(Line(row));
        }

        return sb.ToString();
    }
}
