using System.Text.RegularExpressions;

namespace Agents.Deploy.Tests.Support;

/// <summary>The Secret as the docs tell users to create it: the `kubectl create secret generic` command.</summary>
internal sealed record SecretDocs(string Source, string Name, IReadOnlySet<string> Keys)
{
    public static SecretDocs Read(string relativePath)
    {
        var text = Repo.ReadText(relativePath);
        var start = Regex.Match(text, @"create secret generic\s+(?<name>[a-z0-9][a-z0-9.-]*)");
        Assert.True(start.Success, $"{relativePath} does not show the `kubectl create secret generic` command");

        // The command goes on while its lines end with a backslash (in a comment block, after the '#').
        var command = new List<string>();
        foreach (var line in text[start.Index..].Split('\n'))
        {
            command.Add(line);
            if (!line.TrimEnd().EndsWith('\\'))
            {
                break;
            }
        }

        var keys = Regex.Matches(string.Join('\n', command), @"--from-literal=(?<key>[A-Za-z_][A-Za-z0-9_]*)=")
            .Select(m => m.Groups["key"].Value)
            .ToHashSet(StringComparer.Ordinal);
        Assert.True(keys.Count > 0, $"{relativePath}: the create secret command names no --from-literal key");
        return new SecretDocs(relativePath, start.Groups["name"].Value, keys);
    }
}
