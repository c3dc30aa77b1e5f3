namespace Agents.Hosting.Llm;

/// <summary>
/// The prompts an agent sends, kept as versioned files in its service (<c>Prompts/&lt;name&gt;.v&lt;N&gt;.md</c>, copied
/// next to the service's binaries), so that a prompt change is a reviewed diff and the version in use is on record.
/// </summary>
public static class Prompts
{
    /// <summary>The text of <paramref name="file"/> (e.g. <c>triage.v1.md</c>) from the service's <c>Prompts</c> folder.</summary>
    public static string Load(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Prompts", file);
        return File.Exists(path)
            ? File.ReadAllText(path)
            : throw new FileNotFoundException($"The prompt {file} is missing from {Path.GetDirectoryName(path)}.", path);
    }
}
