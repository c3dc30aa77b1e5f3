using System.Text.RegularExpressions;
using Agents.Contracts.Context;

namespace Agents.Context.Sources.Datadog;

/// <summary>
/// Which Datadog events are deploys of a service, and of which version. The convention:
/// <list type="bullet">
/// <item>An event is a deploy when one of its tags or its title mentions <c>deploy</c> (any case): the tag
/// <c>deployment</c>, <c>event_type:deployment</c>, <c>deploy:argocd</c>, a title "Deployed checkout v2.3.1"...</item>
/// <item>It is a deploy of the service when it has no <c>service:</c> tag, or one equal to the service's name (any case):
/// an event of another service that matched the same tags (e.g. <c>env:prod</c>) is not. Likewise, when the catalog
/// entry's tags name environments (<c>env:prod</c>), an event tagged with another <c>env:</c> (a staging deploy) is not.</item>
/// <item>The version is the <c>version:</c> tag (Datadog's unified service tagging), else the number that follows the word
/// <c>version</c> in the title (<c>version 2.3.1</c>, <c>version: 42</c>), else the first version-looking token of the title (<c>v2.3.1</c>, <c>1.4</c>,
/// <c>2.0.0-rc.1</c>). An event without a version is skipped: a deploy record without a version cannot be rolled back to.</item>
/// <item>The optional tags <c>previous_version:</c>, <c>env:</c> and <c>author:</c> fill the record's previous version,
/// environment and author; the time is the event's <c>date_happened</c>.</item>
/// </list>
/// </summary>
public static partial class DatadogDeployEvents
{
    /// <summary>The deploy record <paramref name="title"/> and <paramref name="tags"/> describe for <paramref name="service"/>, or null.</summary>
    public static DeployRecord? Read(string service, DateTimeOffset happened, string title, IReadOnlyList<string> tags, IReadOnlyList<string>? entryTags = null)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var isDeploy = tags.Any(t => t.Contains("deploy", StringComparison.OrdinalIgnoreCase))
            || title.Contains("deploy", StringComparison.OrdinalIgnoreCase);
        var services = TagValues(tags, "service").ToList();
        if (!isDeploy || (services.Count > 0 && !services.Contains(service, StringComparer.OrdinalIgnoreCase)))
        {
            return null;
        }

        var wanted = TagValues(entryTags ?? [], "env").ToList();
        var environments = TagValues(tags, "env").ToList();
        if (wanted.Count > 0 && environments.Count > 0 && !environments.Any(e => wanted.Contains(e, StringComparer.OrdinalIgnoreCase)))
        {
            return null;
        }

        var version = TagValues(tags, "version").FirstOrDefault()
            ?? (NamedVersion().Match(title) is { Success: true } named ? named.Groups["v"].Value.TrimEnd('.', ',', ';', ')') : null)
            ?? (VersionToken().Match(title) is { Success: true } token ? token.Value : null);
        if (string.IsNullOrEmpty(version))
        {
            return null;
        }

        return new DeployRecord
        {
            Service = service,
            Version = version,
            PreviousVersion = TagValues(tags, "previous_version").FirstOrDefault(),
            DeployedAt = happened,
            Environment = TagValues(tags, "env").FirstOrDefault(),
            Author = TagValues(tags, "author").FirstOrDefault(),
            Source = DatadogSource.SourceName,
        };
    }

    private static IEnumerable<string> TagValues(IReadOnlyList<string> tags, string key) =>
        tags.Where(t => t.Length > key.Length + 1 && t.StartsWith(key + ":", StringComparison.OrdinalIgnoreCase))
            .Select(t => t[(key.Length + 1)..].Trim())
            .Where(v => v.Length > 0);

    [GeneratedRegex(@"\bversion\s*[:=]?\s*(?<v>v?\d[^\s]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NamedVersion();

    [GeneratedRegex(@"(?<![\w.])v?\d+(?:\.\d+)+(?:[-+][0-9A-Za-z.-]*[0-9A-Za-z])?(?!\w)", RegexOptions.CultureInvariant)]
    private static partial Regex VersionToken();
}
