using System.Diagnostics;
using System.Globalization;
using Agents.Api.OperatorConsole.Pages;
using Agents.Contracts;
using Agents.Contracts.Alerts;
using Agents.Contracts.Incidents;
using Agents.Contracts.Investigation;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace Agents.Api.OperatorConsole;

/// <summary>
/// <c>Agents.Api console-bench [entries] [runs]</c>: renders the incident page (the console's own component, as a
/// request renders it) for an incident with <c>entries</c> timeline entries (default 500) <c>runs</c> times (default 50)
/// and prints the first (cold) render, the median and the 95th percentile, and the page's size. Nothing else starts: no
/// broker, no database.
/// </summary>
public static class ConsoleBench
{
    public const string Command = "console-bench";

    public static async Task<int> Run(string[] args)
    {
        var entries = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var e) && e is > 0 and <= 100_000 ? e : 500;
        var runs = args.Length > 1 && int.TryParse(args[1], CultureInfo.InvariantCulture, out var r) && r is > 0 and <= 10_000 ? r : 50;
        var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var incident = Incident(entries);
        var view = new ConsoleView("bench", ["operator"], "__RequestVerificationToken", "token", null, null);
        var times = new List<double>();
        var size = 0;
        for (var i = 0; i <= runs; i++)
        {
            var watch = Stopwatch.StartNew();
            await using var renderer = new HtmlRenderer(services, loggers);
            var html = await renderer.Dispatcher.InvokeAsync(async () => (await renderer.RenderComponentAsync<IncidentPage>(
                ParameterView.FromDictionary(new Dictionary<string, object?> { ["View"] = view, ["Incident"] = incident }))).ToHtmlString());
            times.Add(watch.Elapsed.TotalMilliseconds);
            size = html.Length;
        }

        var cold = times[0];
        var warm = times.Skip(1).Order().ToList();
        System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"incident page, {entries} timeline entries: cold {cold:0.0} ms, median {warm[warm.Count / 2]:0.0} ms, p95 {warm[(int)(warm.Count * 0.95) - (warm.Count >= 20 ? 1 : 0)]:0.0} ms over {runs} renders, {size / 1024} KiB of HTML"));
        return 0;
    }

    /// <summary>An incident awaiting approval with <paramref name="entries"/> timeline entries writing three segments.</summary>
    public static IncidentDetails Incident(int entries)
    {
        var id = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        string[] segments = [IncidentSegments.Alert, IncidentSegments.Context, IncidentSegments.Hypothesis];
        return new IncidentDetails
        {
            Summary = new IncidentSummary
            {
                IncidentId = id, Status = IncidentStatuses.AwaitingApproval, Severity = Severities.Critical, Service = "checkout",
                Fingerprint = "bench", Title = "checkout: error rate", AlertCount = 1, CreatedAt = now.AddHours(-1), UpdatedAt = now,
            },
            TraceId = id.ToString("N"),
            Alert = new AlertPayload { Format = "prometheus", Source = "alertmanager", Fingerprint = "bench", Summary = "error rate high", OccurredAt = now.AddHours(-1) },
            Hypothesis = new Hypothesis
            {
                Category = "regression", Summary = "errors rose after v2.4.1", Confidence = 0.9, ErrorsObserved = true,
                Evidence = [new Evidence { Kind = "deploy", Description = "v2.4.1 rolled out 6 minutes before the alert" }],
            },
            Approval = new RemediationApprovalRecord
            {
                DeliberationId = Guid.NewGuid(), Kind = "human", Request = 1, Status = RemediationApprovalStatuses.Pending,
                RequestedAt = now, Timeout = TimeSpan.FromMinutes(30),
            },
            Timeline = [.. Enumerable.Range(0, entries).Select(i => new TimelineEntry
            {
                At = now.AddHours(-1).AddSeconds(i), Step = IncidentSteps.Agents[i % IncidentSteps.Agents.Count], Attempt = 1 + i / 100,
                Event = i % 2 == 0 ? "dispatched" : "completed", Detail = $"entry {i} of the incident's timeline",
                Segment = i % 2 == 1 ? segments[i / 2 % segments.Length] : null, SegmentVersion = i % 2 == 1 ? 1 + i / 6 : null,
            })],
        };
    }
}
