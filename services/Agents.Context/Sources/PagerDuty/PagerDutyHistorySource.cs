using System.Globalization;
using System.Text.RegularExpressions;
using Agents.Contracts.Context;
using Microsoft.Extensions.Options;

namespace Agents.Context.Sources.PagerDuty;

/// <summary>
/// Earlier incidents of the service from PagerDuty (REST API v2), and how they ended. The service's resolved incidents of
/// the <see cref="PagerDutyHistorySourceOptions.LookbackDays"/> before the alert are listed (<c>GET /incidents</c>, newest
/// first, pages of 100 while <c>more</c>, at most <see cref="PagerDutyHistorySourceOptions.MaxPages"/>); the ones whose
/// title shares words with the alert (<see cref="TitleSimilarity"/>) are kept, the most alike first, up to
/// <see cref="ContextBounds.MaxPastIncidents"/>; for each, its notes and its overview log entries give the resolution (the
/// notes, then the resolve entry) and the runbook action the notes name. A failed notes or log entries call for one
/// incident is a problem of that incident only; a failed listing fails the source.
/// </summary>
public sealed class PagerDutyHistorySource(IHttpClientFactory clients, IOptions<PagerDutyHistorySourceOptions> options) : IContextSource
{
    public const string SourceName = "pagerduty";

    /// <summary>The named <see cref="HttpClient"/> (and configuration section) of this source.</summary>
    public const string ClientName = "PagerDuty";

    private const int PageSize = 100;
    private readonly PagerDutyHistorySourceOptions _options = options.Value;

    public string Name => SourceName;

    public TimeSpan? Timeout => _options.Timeout;

    public async Task<ContextContribution> CollectAsync(ContextRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Service.PagerDuty is not { } target)
        {
            return ContextContribution.Empty;
        }

        var url = _options.Url ?? throw new InvalidOperationException("pagerduty: Context__Sources__PagerDuty__Url is not set");
        var token = string.IsNullOrWhiteSpace(_options.ApiToken)
            ? throw new InvalidOperationException("pagerduty: Context__Sources__PagerDuty__ApiToken is not set")
            : _options.ApiToken;
        var client = new PagerDutyRestClient(clients.CreateClient(ClientName), url, token);
        var until = request.Command.Triage.OccurredAt;
        var since = until.AddDays(-_options.LookbackDays);
        var listing = Listing(target.ServiceId, since, until);

        var incidents = new List<PagerDutyWire.Incident>();
        var problems = new List<string>();
        for (var page = 0; ; page++)
        {
            var answer = await client.GetAsync<PagerDutyWire.IncidentList>(listing(page * PageSize), ct);
            incidents.AddRange(answer.Incidents ?? []);
            if (!answer.More)
            {
                break;
            }

            if (page + 1 >= _options.MaxPages)
            {
                problems.Add($"more than {_options.MaxPages * PageSize} resolved incidents since {Stamp(since)}: only the newest were compared");
                break;
            }
        }

        var references = new[] { request.Command.Alert.Summary, request.Command.Triage.Summary }.Select(TitleSimilarity.Words).ToList();
        var similar = incidents
            .DistinctBy(i => i.Id)
            .Select(i => (Incident: i, Similarity: TitleSimilarity.Score(i.Title, references)))
            .Where(x => x.Similarity > 0)
            .OrderByDescending(x => x.Similarity)
            .ThenByDescending(x => x.Incident.CreatedAt)
            .Take(request.Bounds.MaxPastIncidents)
            .ToList();
        var query = Uri.UnescapeDataString("/" + listing(0));
        var past = await Task.WhenAll(similar.Select(x => DescribeAsync(client, x.Incident, x.Similarity, query, since, until, request, ct)));

        return new ContextContribution
        {
            PastIncidents = past.Select(p => p.Incident).ToList(),
            Problems = [.. problems, .. past.SelectMany(p => p.Problems)],
        };
    }

    private static Func<int, string> Listing(string serviceId, DateTimeOffset since, DateTimeOffset until) => offset =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"incidents?service_ids[]={Uri.EscapeDataString(serviceId)}&since={Uri.EscapeDataString(Stamp(since))}&until={Uri.EscapeDataString(Stamp(until))}&statuses[]=resolved&limit={PageSize}&offset={offset}&sort_by={Uri.EscapeDataString("created_at:desc")}");

    private static async Task<(PastIncident Incident, IReadOnlyList<string> Problems)> DescribeAsync(
        PagerDutyRestClient client,
        PagerDutyWire.Incident incident,
        double similarity,
        string query,
        DateTimeOffset since,
        DateTimeOffset until,
        ContextRequest request,
        CancellationToken ct)
    {
        var problems = new List<string>();
        var bounds = request.Bounds;
        var id = Uri.EscapeDataString(incident.Id);
        var notesCall = Try(() => client.GetAsync<PagerDutyWire.NoteList>($"incidents/{id}/notes", ct), "notes");
        var entriesCall = Try(() => client.GetAsync<PagerDutyWire.LogEntryList>($"incidents/{id}/log_entries?is_overview=true&limit={PageSize}", ct), "log entries");
        var notes = (await notesCall)?.Notes ?? [];
        var resolve = ((await entriesCall)?.LogEntries ?? [])
            .Where(e => e.Type == "resolve_log_entry")
            .OrderByDescending(e => e.CreatedAt)
            .FirstOrDefault();

        var noteTexts = notes
            .OrderBy(n => n.CreatedAt)
            .Select(n => n.Content?.Trim())
            .Where(c => !string.IsNullOrEmpty(c))
            .Cast<string>()
            .Append(resolve?.Note?.Trim())
            .Where(c => !string.IsNullOrEmpty(c))
            .Cast<string>()
            .ToList();
        var resolution = string.Join(" | ", noteTexts.Append(resolve?.Summary?.Trim()).Where(t => !string.IsNullOrEmpty(t)));
        return (new PastIncident
        {
            Source = SourceName,
            Query = query,
            From = since,
            To = until,
            Id = incident.Id,
            Title = bounds.Shorten(incident.Title ?? string.Empty),
            CreatedAt = incident.CreatedAt,
            ResolvedAt = resolve?.CreatedAt ?? incident.ResolvedAt ?? incident.LastStatusChangeAt,
            Url = incident.HtmlUrl,
            Similarity = similarity,
            Resolution = resolution.Length > 0 ? bounds.Shorten(resolution) : null,
            Action = NamedAction(request.RunbookActions, string.Join('\n', noteTexts)),
        }, problems);

        async Task<T?> Try<T>(Func<Task<T>> call, string what)
            where T : class
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidDataException && !ct.IsCancellationRequested)
            {
                lock (problems)
                {
                    problems.Add(bounds.Shorten($"incident {incident.Id} {what}: {ex.Message}"));
                }

                return null;
            }
        }
    }

    /// <summary>The first of <paramref name="actions"/> whose id appears in <paramref name="text"/> as a whole word (ignoring case; a hyphen is part of a word).</summary>
    internal static string? NamedAction(IEnumerable<string> actions, string text) =>
        text.Length == 0
            ? null
            : actions.FirstOrDefault(a => a.Length > 0 && Regex.IsMatch(text, $@"(?<![\w-]){Regex.Escape(a)}(?![\w-])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
