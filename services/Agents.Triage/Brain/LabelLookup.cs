namespace Agents.Triage.Brain;

/// <summary>Case-insensitive look-up of a non-blank label or annotation value.</summary>
internal static class LabelLookup
{
    public static string? Find(IReadOnlyDictionary<string, string> values, string key)
    {
        if (values.TryGetValue(key, out var exact) && !string.IsNullOrWhiteSpace(exact))
        {
            return exact.Trim();
        }

        foreach (var (name, value) in values)
        {
            if (string.Equals(name, key, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(value))
            {
                return value.Trim();
            }
        }

        return null;
    }
}
