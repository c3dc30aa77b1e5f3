using System.Globalization;

namespace Agents.Hosting;

/// <summary>Reads durations written as <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c> or <c>00:00:30</c>.</summary>
public static class Durations
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        (string Suffix, double Factor)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, factor) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                && value >= 0)
            {
                duration = TimeSpan.FromSeconds(value * factor);
                return true;
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
    }

    public static string Format(TimeSpan duration) =>
        duration.TotalSeconds < 1 ? $"{duration.TotalMilliseconds:0}ms"
        : duration.TotalMinutes < 1 ? $"{duration.TotalSeconds:0.##}s"
        : $"{duration.TotalMinutes:0.##}m";
}
