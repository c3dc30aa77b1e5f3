using System.Text.Json;

namespace Agents.Api.OperatorConsole;

/// <summary>A line diff of two versions of a segment, each pretty-printed as JSON: what an agent's new version changed.</summary>
public static class SegmentDiff
{
    /// <summary>Most lines × lines compared by the longest common subsequence; bigger pairs are shown whole, old then new.</summary>
    private const long MaxCells = 4_000_000;

    public sealed record Line(char Kind, string Text);

    public static string Pretty(JsonElement? value) =>
        value is { } v ? JsonSerializer.Serialize(v, new JsonSerializerOptions { WriteIndented = true }) : "(cleared)";

    public static IReadOnlyList<Line> Of(string before, string after)
    {
        var a = before.Split('\n');
        var b = after.Split('\n');
        if ((long)a.Length * b.Length > MaxCells)
        {
            return [.. a.Select(l => new Line('-', l)), .. b.Select(l => new Line('+', l))];
        }

        // lcs[i, j]: the longest common subsequence of a[i..] and b[j..].
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var lines = new List<Line>();
        int x = 0, y = 0;
        while (x < a.Length && y < b.Length)
        {
            if (a[x] == b[y])
            {
                lines.Add(new Line(' ', a[x++]));
                y++;
            }
            else if (lcs[x + 1, y] >= lcs[x, y + 1])
            {
                lines.Add(new Line('-', a[x++]));
            }
            else
            {
                lines.Add(new Line('+', b[y++]));
            }
        }

        lines.AddRange(a[x..].Select(l => new Line('-', l)));
        lines.AddRange(b[y..].Select(l => new Line('+', l)));
        return lines;
    }
}
