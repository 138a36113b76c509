using System.Text.RegularExpressions;

namespace MillionX.Pipeline.Tests.Deploy;

/// <summary>Pure: the metric names a PromQL expression reads (what a dashboard or alert needs exported).</summary>
public static partial class PromQl
{
    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "and", "or", "unless", "bool", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "inf", "nan",
    };

    public static IReadOnlySet<string> MetricNames(string expr)
    {
        var s = Strings().Replace(expr, " ");
        s = GrafanaVariables().Replace(s, " ");
        s = LabelMatchers().Replace(s, " ");
        s = Ranges().Replace(s, " ");
        s = Grouping().Replace(s, " ");
        s = Offsets().Replace(s, " ");
        s = Numbers().Replace(s, " ");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in Identifiers().Matches(s))
        {
            var rest = s.AsSpan(m.Index + m.Length).TrimStart();
            if (rest.StartsWith("(") || Keywords.Contains(m.Value))
            {
                continue; // a function call or an operator keyword
            }

            names.Add(m.Value);
        }

        return names;
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\$\{?\w+(:\w+)?\}?")]
    private static partial Regex GrafanaVariables();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", RegexOptions.IgnoreCase)]
    private static partial Regex Grouping();

    [GeneratedRegex(@"\boffset\s+-?\w+", RegexOptions.IgnoreCase)]
    private static partial Regex Offsets();

    [GeneratedRegex(@"(?<![\w:])(0x[0-9a-fA-F]+|\d+(\.\d*)?([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)")]
    private static partial Regex Numbers();

    [GeneratedRegex(@"[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifiers();
}
