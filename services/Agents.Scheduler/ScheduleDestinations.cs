using Agents.Contracts;

namespace Agents.Scheduler;

/// <summary>
/// Where the scheduler may send: only to this system's own queues. A <c>ScheduleMessage</c> names its destination
/// itself, so without this anyone who can write to the <c>scheduler</c> queue could have the scheduler deliver any
/// envelope to any queue of the broker under the scheduler's identity (a runbook command to <c>remediation</c>, a
/// message to another application's queue).
/// <para>
/// Allowed: the saga endpoints the orchestrator schedules its timeouts to (<see cref="SystemQueues"/>), the names of
/// <see cref="SchedulerOptions.AllowedDestinations"/>, and names starting with one of
/// <see cref="SchedulerOptions.AllowedDestinationPrefixes"/>; in the forms MassTransit writes:
/// <c>queue:&lt;name&gt;</c>, and <c>rabbitmq://host[:port]/[vhost/]&lt;name&gt;</c> (or <c>rabbitmqs://</c>; a
/// saga's timeout goes to its endpoint's input address, in this form). The queue name is the check: the host and the
/// virtual host of a <c>rabbitmq://</c> address are not compared with the scheduler's own, because they do not steer
/// the send (MassTransit sends over the scheduler's one connection, to its virtual host, whatever host the address
/// names) and services may reach the same broker by different names. Refused: any other scheme (<c>exchange:</c>
/// included: the system never schedules to one), credentials in the address, a query string (its options declare
/// and bind other queues and exchanges), a fragment, an empty, nested or escaped name.
/// </para>
/// </summary>
public sealed class ScheduleDestinations
{
    /// <summary>The endpoints this system schedules to: the incident saga's step timeouts, the deliberation saga's round timeouts.</summary>
    public static readonly IReadOnlyList<string> SystemQueues = [AgentQueues.Orchestrator, AgentQueues.Deliberation];

    private const int MaxDescribedLength = 200;

    private readonly HashSet<string> _names;
    private readonly IReadOnlyList<string> _prefixes;

    public ScheduleDestinations(IEnumerable<string> names, IEnumerable<string> prefixes)
    {
        _names = new HashSet<string>(SystemQueues.Concat(names.Where(n => !string.IsNullOrWhiteSpace(n))), StringComparer.Ordinal);
        _prefixes = [.. prefixes.Where(p => !string.IsNullOrWhiteSpace(p))];
    }

    public static ScheduleDestinations From(SchedulerOptions options) =>
        new(options.AllowedDestinations, options.AllowedDestinationPrefixes);

    public bool IsAllowed(Uri? destination) => Refusal(destination) is null;

    /// <summary>Why the scheduler will not send to <paramref name="destination"/>, or null when it may.</summary>
    public string? Refusal(Uri? destination)
    {
        if (destination is null)
        {
            return "it names no destination";
        }

        if (!destination.IsAbsoluteUri)
        {
            return "the destination is not an absolute address (queue:<name> or rabbitmq://host/<vhost>/<name>)";
        }

        if (destination.UserInfo.Length > 0)
        {
            return "the destination carries credentials";
        }

        if (destination.Query.Length > 0 || destination.Fragment.Length > 0)
        {
            return "the destination has a query string or fragment (address options that declare or bind other queues and exchanges are not accepted)";
        }

        var name = destination.Scheme switch
        {
            "queue" => Single(destination.AbsolutePath),
            "rabbitmq" or "rabbitmqs" => Last(destination.AbsolutePath),
            _ => null,
        };
        if (name is null)
        {
            return destination.Scheme is "queue" or "rabbitmq" or "rabbitmqs"
                ? "the destination names no single queue"
                : $"the scheme '{Bounded(destination.Scheme)}' is not accepted (only queue: and rabbitmq:// addresses)";
        }

        return _names.Contains(name) || _prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))
            ? null
            : $"'{Bounded(name)}' is not one of this system's queues (allowed: {string.Join(", ", _names.Order(StringComparer.Ordinal))}"
                + (_prefixes.Count > 0 ? $", and names starting with {string.Join(", ", _prefixes)})" : ")");
    }

    /// <summary>An address as the logs and refusals show it: no credentials (an address may carry them), bounded length.</summary>
    public static string Describe(Uri? destination)
    {
        if (destination is null)
        {
            return "(none)";
        }

        var text = destination.IsAbsoluteUri && destination.UserInfo.Length > 0
            ? destination.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.UserInfo, UriFormat.UriEscaped)
            : destination.OriginalString;
        return Bounded(text);
    }

    // queue:<name>: the whole path is the name.
    private static string? Single(string path) =>
        path.Length > 0 && !path.Contains('/', StringComparison.Ordinal) && !path.Contains('%', StringComparison.Ordinal) ? path : null;

    // rabbitmq://host/<name> or rabbitmq://host/<vhost>/<name>: the last segment is the name (only the virtual host,
    // which is not checked, may be escaped).
    private static string? Last(string path)
    {
        if (!path.StartsWith('/'))
        {
            return null;
        }

        var segments = path[1..].Split('/');
        return segments.Length is 1 or 2 && segments.All(s => s.Length > 0) ? Single(segments[^1]) : null;
    }

    private static string Bounded(string text) =>
        text.Length <= MaxDescribedLength ? text : string.Concat(text.AsSpan(0, MaxDescribedLength), "…");
}
