using System.Text.RegularExpressions;

namespace Agents.Deploy.Tests.Support;

/// <summary>A Secret as the docs tell users to create it: one `kubectl create secret generic` command.</summary>
internal sealed record SecretDocs(string Source, string Name, IReadOnlySet<string> Keys)
{
    /// <summary>Every `kubectl create secret generic` command of the file, in order.</summary>
    public static IReadOnlyList<SecretDocs> ReadAll(string relativePath)
    {
        var text = Repo.ReadText(relativePath);
        var starts = Regex.Matches(text, @"create secret generic\s+(?<name>[a-z0-9][a-z0-9.-]*)");
        Assert.True(starts.Count > 0, $"{relativePath} does not show the `kubectl create secret generic` command");

        var secrets = new List<SecretDocs>();
        foreach (Match start in starts)
        {
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

            // A Secret's keys: letters, digits, '-', '_' and '.'.
            var name = start.Groups["name"].Value;
            var keys = Regex.Matches(string.Join('\n', command), @"--from-literal=(?<key>[A-Za-z0-9._-]+)=")
                .Select(m => m.Groups["key"].Value)
                .ToHashSet(StringComparer.Ordinal);
            Assert.True(keys.Count > 0, $"{relativePath}: the create secret command of {name} names no --from-literal key");
            secrets.Add(new SecretDocs(relativePath, name, keys));
        }

        var repeated = secrets.GroupBy(s => s.Name).Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.True(!repeated.Any(), $"{relativePath} shows how to create {string.Join(", ", repeated)} more than once");
        return secrets;
    }

    /// <summary>The command that creates the Secret <paramref name="name"/>.</summary>
    public static SecretDocs Read(string relativePath, string name)
    {
        var all = ReadAll(relativePath);
        return all.FirstOrDefault(s => s.Name == name)
            ?? throw new Xunit.Sdk.XunitException($"{relativePath} does not show how to create Secret {name} (only {string.Join(", ", all.Select(s => s.Name))})");
    }
}
