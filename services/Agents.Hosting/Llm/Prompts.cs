using System.Collections.Concurrent;

namespace Agents.Hosting.Llm;

/// <summary>
/// The prompts an agent sends, kept as versioned files in its service (<c>Prompts/&lt;name&gt;.v&lt;N&gt;.md</c>, copied
/// next to the service's binaries), so that a prompt change is a reviewed diff and the version in use is on record
/// (on each <c>chat</c> span, see <see cref="NameOf"/>).
/// </summary>
public static class Prompts
{
    private static readonly ConcurrentDictionary<string, string> Loaded = new(StringComparer.Ordinal);

    /// <summary>The text of <paramref name="file"/> (e.g. <c>triage.v1.md</c>) from the service's <c>Prompts</c> folder.</summary>
    public static string Load(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Prompts", file);
        var text = File.Exists(path)
            ? File.ReadAllText(path)
            : throw new FileNotFoundException($"The prompt {file} is missing from {Path.GetDirectoryName(path)}.", path);
        Loaded[Path.GetFileNameWithoutExtension(file)] = text;
        return text;
    }

    /// <summary>
    /// The name and version (e.g. <c>triage.v1</c>) of the loaded prompt <paramref name="instructions"/> begin with (a
    /// brain may append to its prompt, as remediation appends its runbook catalog), or null for instructions of no file.
    /// </summary>
    public static string? NameOf(string instructions) =>
        Loaded.Where(p => p.Value.Length > 0 && instructions.StartsWith(p.Value, StringComparison.Ordinal))
            .OrderByDescending(p => p.Value.Length).Select(p => p.Key).FirstOrDefault();
}
