using Agents.Contracts.Notification;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Agents.Notification.Channels;

/// <summary>One channel of a route, with its target when the route names one (<c>slack:#payments-oncall</c>).</summary>
public sealed record RouteChannel(string Channel, string? Target)
{
    public override string ToString() => Target is null ? Channel : $"{Channel}:{Target}";

    public static RouteChannel Parse(string text)
    {
        var parts = text.Split(':', 2, StringSplitOptions.TrimEntries);
        return new RouteChannel(parts[0], parts.Length == 2 && parts[1].Length > 0 ? parts[1] : null);
    }
}

/// <summary>A route: when its match holds (every field given; any value of a list), the event goes to its channels.</summary>
public sealed record NotificationRoute
{
    public required string Name { get; init; }

    public IReadOnlyList<string>? Event { get; init; }

    public IReadOnlyList<string>? Severity { get; init; }

    public IReadOnlyList<string>? Status { get; init; }

    public IReadOnlyList<string>? Service { get; init; }

    public IReadOnlyList<string>? Step { get; init; }

    public IReadOnlyList<string>? Team { get; init; }

    public required IReadOnlyList<RouteChannel> Channels { get; init; }

    public bool Matches(ChannelMessage message) =>
        Holds(Event, message.Event) && Holds(Severity, message.Severity) && Holds(Status, message.Status)
        && Holds(Service, message.Service) && Holds(Step, message.Step) && Holds(Team, message.Team);

    private static bool Holds(IReadOnlyList<string>? allowed, string? actual) =>
        allowed is null || (actual is not null && allowed.Contains(actual, StringComparer.OrdinalIgnoreCase));
}

/// <summary>
/// Where each notification goes (<c>Notification__RoutesPath</c>, default <c>deploy/notifications.yaml</c>; built-in
/// defaults when there is no file): the first route whose match holds, else <see cref="Default"/>. A channel a route
/// names that is not configured (no credentials) is skipped.
/// </summary>
public sealed class NotificationRoutes
{
    public const string ChannelNames = "slack, pagerduty, jira, email, webhook, file";

    private static readonly string[] KnownChannels = ["slack", "pagerduty", "jira", "email", "webhook", "file"];

    public required IReadOnlyList<NotificationRoute> Routes { get; init; }

    public required IReadOnlyList<RouteChannel> Default { get; init; }

    public required string Origin { get; init; }

    /// <summary>The route for <paramref name="message"/>: its name and channels.</summary>
    public (string Route, IReadOnlyList<RouteChannel> Channels) Route(ChannelMessage message) =>
        Routes.FirstOrDefault(r => r.Matches(message)) is { } route ? (route.Name, route.Channels) : ("default", Default);

    /// <summary>
    /// Without a routing file: a page (escalation, emergency page, approval request) goes to PagerDuty, Slack, Jira,
    /// email and the webhook; what follows it (resolution, acknowledgement, a human's resolution) to PagerDuty, Slack
    /// and Jira, which update what the page created; a claim without consensus to the Slack claims review channel
    /// (<paramref name="claimsChannel"/>, else the Slack channel), email and the webhook; anything else to Slack. The
    /// local file gets everything. Channels without credentials are off.
    /// </summary>
    public static NotificationRoutes BuiltIn(string? claimsChannel) => new()
    {
        Origin = "built-in",
        Routes =
        [
            new NotificationRoute
            {
                Name = "pages",
                Event = [NotificationKinds.Escalation, NotificationKinds.Emergency, NotificationKinds.ApprovalRequest],
                Channels = List("pagerduty", "slack", "jira", "email", "webhook", "file"),
            },
            new NotificationRoute
            {
                Name = "follow-ups",
                Event = [NotificationKinds.Resolution, ChannelEvents.ResolvedByOperator, ChannelEvents.Acknowledged],
                Channels = List("pagerduty", "slack", "jira", "file"),
            },
            new NotificationRoute
            {
                Name = "claims-review",
                Event = [ChannelEvents.NoConsensus],
                Channels = List(string.IsNullOrWhiteSpace(claimsChannel) ? "slack" : $"slack:{claimsChannel}", "email", "webhook", "file"),
            },
        ],
        Default = List("slack", "file"),
    };

    private static RouteChannel[] List(params string[] channels) => channels.Select(RouteChannel.Parse).ToArray();

    public static NotificationRoutes Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Notification routes '{path}' do not exist.");
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads and validates a routing file; every mistake is reported at once.</summary>
    public static NotificationRoutes Parse(string yaml, string origin)
    {
        RoutesFile file;
        try
        {
            file = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build().Deserialize<RoutesFile?>(yaml) ?? new RoutesFile();
        }
        catch (YamlException e)
        {
            throw new InvalidOperationException($"Notification routes '{origin}' are not valid YAML (line {e.Start.Line}, column {e.Start.Column}): {(e.InnerException ?? e).Message}");
        }

        var errors = new List<string>();
        var routes = new List<NotificationRoute>();
        for (var i = 0; i < (file.Routes?.Count ?? 0); i++)
        {
            var route = file.Routes![i];
            var at = $"routes[{i}]" + (route.Name is { } n ? $" ({n})" : "");
            var channels = Channels(route.Channels, at, errors);
            if (route.Match is null || route.Match.Count == 0)
            {
                errors.Add($"{at}.match: a route needs at least one condition (event, severity, status, service, step, team); use default: for the rest");
            }

            foreach (var unknown in (route.Match ?? []).Keys.Except(["event", "severity", "status", "service", "step", "team"]))
            {
                errors.Add($"{at}.match.{unknown}: not a condition (event, severity, status, service, step, team)");
            }

            routes.Add(new NotificationRoute
            {
                Name = route.Name ?? $"routes[{i}]",
                Event = Values(route.Match, "event"),
                Severity = Values(route.Match, "severity"),
                Status = Values(route.Match, "status"),
                Service = Values(route.Match, "service"),
                Step = Values(route.Match, "step"),
                Team = Values(route.Match, "team"),
                Channels = channels,
            });
        }

        var fallback = Channels(file.Default ?? ["file"], "default", errors);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"Notification routes '{origin}' are invalid:{Environment.NewLine}  - {string.Join($"{Environment.NewLine}  - ", errors)}");
        }

        return new NotificationRoutes { Routes = routes, Default = fallback, Origin = origin };
    }

    private static RouteChannel[] Channels(List<string>? channels, string at, List<string> errors)
    {
        if (channels is null || channels.Count == 0)
        {
            errors.Add($"{at}.channels: at least one channel ({ChannelNames})");
            return [];
        }

        var parsed = channels.Select(RouteChannel.Parse).ToArray();
        foreach (var unknown in parsed.Where(c => !KnownChannels.Contains(c.Channel)))
        {
            errors.Add($"{at}.channels: '{unknown.Channel}' is not a channel ({ChannelNames})");
        }

        return parsed;
    }

    private static List<string>? Values(Dictionary<string, object>? match, string key) =>
        match is not null && match.TryGetValue(key, out var value)
            ? value is List<object> list ? list.Select(v => v?.ToString() ?? "").ToList() : [value?.ToString() ?? ""]
            : null;

    private sealed class RoutesFile
    {
        public List<RouteDefinition>? Routes { get; set; }

        public List<string>? Default { get; set; }
    }

    private sealed class RouteDefinition
    {
        public string? Name { get; set; }

        public Dictionary<string, object>? Match { get; set; }

        public List<string>? Channels { get; set; }
    }
}
