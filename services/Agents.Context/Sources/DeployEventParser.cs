using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Agents.Contracts.Context;
using Agents.Hosting;

namespace Agents.Context.Sources;

/// <summary>
/// Reads the raw deploy event CI/CD pipelines publish:
/// <c>{"service", "version", "previous_version"?, "deployed_at", "environment"?, "author"?}</c>, where
/// <c>deployed_at</c> is an ISO-8601 time (UTC when it has no offset). The camelCase names
/// <c>previousVersion</c> and <c>deployedAt</c> are accepted too, and property names are matched ignoring case.
/// Text fields are trimmed; a blank optional field counts as absent. An event that can never be recorded
/// throws <see cref="PermanentMessageException"/> naming every problem found.
/// </summary>
public static partial class DeployEventParser
{
    public static DeployRecord Parse(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var problems = new List<string>();

        var service = Required("service");
        var version = Required("version");
        var previousVersion = Text(json, problems, "previous_version", "previousVersion");
        var deployedAtText = Required("deployed_at", "deployedAt");
        var environment = Text(json, problems, "environment");
        var author = Text(json, problems, "author");

        DateTimeOffset deployedAt = default;
        if (deployedAtText is not null
            && !(IsoDate().IsMatch(deployedAtText)
                && DateTimeOffset.TryParse(deployedAtText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out deployedAt)))
        {
            problems.Add($"'deployed_at' value '{deployedAtText}' is not an ISO-8601 time such as 2026-11-24T02:03:00Z");
        }

        if (problems.Count > 0)
        {
            throw new PermanentMessageException($"Deploy event cannot be recorded: {string.Join("; ", problems)}.");
        }

        return new DeployRecord
        {
            Service = service!,
            Version = version!,
            PreviousVersion = previousVersion,
            DeployedAt = deployedAt,
            Environment = environment,
            Author = author,
        };

        string? Required(params string[] names)
        {
            var before = problems.Count;
            var value = Text(json, problems, names);
            if (value is null && problems.Count == before)
            {
                problems.Add($"'{names[0]}' is missing");
            }

            return value;
        }
    }

    /// <summary>The trimmed text of the first of <paramref name="names"/> present (ignoring case); numbers are taken as written.</summary>
    private static string? Text(JsonObject json, List<string> problems, params string[] names)
    {
        foreach (var name in names)
        {
            var node = json.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase));
            if (node.Key is null || node.Value is null)
            {
                continue;
            }

            if (node.Value is JsonValue value)
            {
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String:
                        var text = value.GetValue<string>().Trim();
                        return text.Length > 0 ? text : null;
                    case JsonValueKind.Number:
                        return value.ToJsonString();
                    case JsonValueKind.Null:
                        continue;
                }
            }

            problems.Add($"'{names[0]}' is {Describe(node.Value)}, not text");
            return null;
        }

        return null;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}")]
    private static partial Regex IsoDate();

    private static string Describe(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        var kind => kind.ToString().ToLowerInvariant(),
    };
}
