using System.Net;
using Agents.Brains.Tests.Support;
using Agents.Context.Sources;
using Agents.Context.Sources.PagerDuty;
using Agents.Hosting.Catalog;
using Agents.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Note = Agents.Testing.FakePagerDutyRest.Note;
using PdIncident = Agents.Testing.FakePagerDutyRest.Incident;
using PdLogEntry = Agents.Testing.FakePagerDutyRest.LogEntry;

namespace Agents.Brains.Tests.Context;

public sealed class PagerDutyHistorySourceTests : IAsyncLifetime
{
    private const string ServiceId = "PAUTH01";
    private static readonly DateTimeOffset Alert = Samples.AlertTime;
    private static readonly string[] Actions = ["restart-pods", "scale-out", "rollback"];

    private FakePagerDutyRest _pd = null!;

    public async Task InitializeAsync()
    {
        _pd = await FakePagerDutyRest.Start();
        var q1 = Alert.AddDays(-10);
        _pd.Add(
            ServiceId,
            new PdIncident("Q1ERRRATE", 1201, "auth-service 5xx error rate above 20%", q1, q1.AddMinutes(45)),
            [new Note("N1", "Error rate spiked right after v7.3.0.", q1.AddMinutes(5)), new Note("N2", "Rolled back with rollback to v7.2.9, errors gone.", q1.AddMinutes(30))],
            [new PdLogEntry("L1", "trigger_log_entry", "Triggered through the API", q1), new PdLogEntry("L2", "notify_log_entry", "Notified Earline by SMS", q1.AddMinutes(1)), new PdLogEntry("L3", "resolve_log_entry", "Resolved by Earline Greenholt", q1.AddMinutes(40))]);
        var q2 = Alert.AddDays(-20);
        _pd.Add(
            ServiceId,
            new PdIncident("Q2ERRHIGH", 1150, "auth-service error rate high", q2, q2.AddMinutes(20)),
            [new Note("N3", "Pods were saturated; scale-out of auth fixed it.", q2.AddMinutes(15))],
            [new PdLogEntry("L4", "resolve_log_entry", "Resolved through the API", q2.AddMinutes(19))]);
        _pd.Add(ServiceId, new PdIncident("Q3DISK", 1190, "Disk full on db-7", Alert.AddDays(-3), Alert.AddDays(-3).AddHours(1)));
        _pd.Add(ServiceId, new PdIncident("Q4LATENCY", 1210, "auth-service latency p99", Alert.AddDays(-5), Alert.AddDays(-5).AddMinutes(9)));
        _pd.Add(ServiceId, new PdIncident("Q5OLD", 1001, "auth-service 5xx error rate", Alert.AddDays(-40), Alert.AddDays(-40).AddHours(1)));
        _pd.Add("PBILL02", new PdIncident("Q6OTHER", 1300, "auth-service 5xx error rate", Alert.AddDays(-2), Alert.AddDays(-2).AddHours(1)));
        _pd.Add(ServiceId, new PdIncident("Q7OPEN", 1400, "auth-service 5xx error rate", Alert.AddDays(-1), null, Status: "triggered"));
    }

    public async Task DisposeAsync() => await _pd.DisposeAsync();

    [Fact]
    public async Task Similar_resolved_incidents_of_the_last_30_days_are_kept_most_alike_first_with_how_they_were_resolved()
    {
        var contribution = await Source().CollectAsync(Request(), default);

        Assert.Empty(contribution.Problems);
        Assert.Equal(["Q1ERRRATE", "Q2ERRHIGH", "Q4LATENCY"], contribution.PastIncidents.Select(p => p.Id));
        Assert.Equal([0.833, 0.667, 0.286], contribution.PastIncidents.Select(p => p.Similarity));
        Assert.All(contribution.PastIncidents, p =>
        {
            Assert.Equal("pagerduty", p.Source);
            Assert.Equal(Alert.AddDays(-30), p.From);
            Assert.Equal(Alert, p.To);
            Assert.Equal(
                "/incidents?service_ids[]=PAUTH01&since=2026-10-25T02:13:00Z&until=2026-11-24T02:13:00Z&statuses[]=resolved&limit=100&offset=0&sort_by=created_at:desc",
                p.Query);
        });

        var q1 = contribution.PastIncidents[0];
        Assert.Equal("auth-service 5xx error rate above 20%", q1.Title);
        Assert.Equal(Alert.AddDays(-10), q1.CreatedAt);
        Assert.Equal(Alert.AddDays(-10).AddMinutes(40), q1.ResolvedAt);
        Assert.Equal("https://acme.pagerduty.com/incidents/Q1ERRRATE", q1.Url);
        Assert.Equal("Error rate spiked right after v7.3.0. | Rolled back with rollback to v7.2.9, errors gone. | Resolved by Earline Greenholt", q1.Resolution);
        Assert.Equal("rollback", q1.Action);
        Assert.Equal(("scale-out", "Pods were saturated; scale-out of auth fixed it. | Resolved through the API"), (contribution.PastIncidents[1].Action, contribution.PastIncidents[1].Resolution));
        var q4 = contribution.PastIncidents[2];
        Assert.Equal((null, null, Alert.AddDays(-5).AddMinutes(9)), (q4.Resolution, q4.Action, q4.ResolvedAt));
    }

    [Fact]
    public async Task Requests_carry_the_token_the_versioned_accept_header_and_the_documented_parameters()
    {
        await Source().CollectAsync(Request(), default);

        Assert.All(_pd.Requests, r =>
        {
            Assert.Equal($"Token token={FakePagerDutyRest.Token}", r.Headers["authorization"]);
            Assert.Equal("application/vnd.pagerduty+json; version=2", r.Headers["accept"].Replace(";version", "; version", StringComparison.Ordinal));
        });
        var list = _pd.Requests.First();
        Assert.Equal("/incidents", list.Path);
        Assert.Equal((ServiceId, "resolved", "100", "0", "created_at:desc"), (list.One("service_ids[]"), list.One("statuses[]"), list.One("limit"), list.One("offset"), list.One("sort_by")));
        Assert.Equal(("2026-10-25T02:13:00Z", "2026-11-24T02:13:00Z"), (list.One("since"), list.One("until")));
        Assert.Contains(_pd.Requests, r => r.Path == "/incidents/Q1ERRRATE/notes");
        Assert.Contains(_pd.Requests, r => r.Path == "/incidents/Q1ERRRATE/log_entries" && r.One("is_overview") == "true");
        Assert.DoesNotContain(_pd.Requests, r => r.Path.Contains("Q3DISK", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bounds_limit_the_incidents_kept_and_the_length_of_their_text()
    {
        var request = Request() with { Bounds = new ContextBounds { MaxPastIncidents = 2, MaxTextLength = 40 } };

        var contribution = await Source().CollectAsync(request, default);

        Assert.Equal(["Q1ERRRATE", "Q2ERRHIGH"], contribution.PastIncidents.Select(p => p.Id));
        var resolution = contribution.PastIncidents[0].Resolution!;
        Assert.Equal(40, resolution.Length);
        Assert.EndsWith("…", resolution, StringComparison.Ordinal);
        Assert.Equal("rollback", contribution.PastIncidents[0].Action);
    }

    [Fact]
    public async Task The_lookback_is_the_configured_number_of_days_before_the_alert()
    {
        var contribution = await Source(o => o.LookbackDays = 7).CollectAsync(Request(), default);

        Assert.Equal("2026-11-17T02:13:00Z", _pd.Requests.First().One("since"));
        var only = Assert.Single(contribution.PastIncidents);
        Assert.Equal(("Q4LATENCY", Alert.AddDays(-7)), (only.Id, only.From));
    }

    [Fact]
    public async Task Pages_are_followed_while_more_and_bounded_by_max_pages()
    {
        for (var i = 0; i < 150; i++)
        {
            _pd.Add(ServiceId, new PdIncident($"QN{i:000}", 2000 + i, $"Disk full on db-{i}", Alert.AddDays(-1).AddMinutes(-i), Alert.AddDays(-1)));
        }

        var contribution = await Source().CollectAsync(Request(), default);
        var offsets = _pd.Requests.Where(r => r.Path == "/incidents").Select(r => r.One("offset")).ToList();
        var limited = await Source(o => o.MaxPages = 1).CollectAsync(Request(), default);

        Assert.Equal(["0", "100"], offsets);
        Assert.Equal("Q1ERRRATE", contribution.PastIncidents[0].Id);
        Assert.DoesNotContain(limited.PastIncidents, p => p.Id == "Q1ERRRATE");
        Assert.Equal("more than 100 resolved incidents since 2026-10-25T02:13:00Z: only the newest were compared", Assert.Single(limited.Problems));
    }

    [Fact]
    public async Task A_wrong_token_is_refused_with_the_apis_error_and_the_token_is_not_in_the_message()
    {
        const string token = "y_Wrong-Token-77aQ";

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => Source(o => o.ApiToken = token).CollectAsync(Request(), default));

        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.Equal("PagerDuty GET /incidents answered 401 Unauthorized (code 2006)", ex.Message);
        Assert.DoesNotContain(token, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rate_limited_listing_fails_with_the_documented_error()
    {
        _pd.Responder = _ => FakePagerDutyRest.RateLimited();

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => Source().CollectAsync(Request(), default));

        Assert.Equal(HttpStatusCode.TooManyRequests, ex.StatusCode);
        Assert.Equal("PagerDuty GET /incidents answered 429 Rate Limit Exceeded (code 2020)", ex.Message);
    }

    [Fact]
    public async Task A_failed_notes_call_is_a_problem_of_that_incident_only()
    {
        _pd.Responder = r => r.Path == "/incidents/Q2ERRHIGH/notes"
            ? FakePagerDutyRest.Error(HttpStatusCode.InternalServerError, "Internal Server Error", 2000)
            : null;

        var contribution = await Source().CollectAsync(Request(), default);

        Assert.Equal(["Q1ERRRATE", "Q2ERRHIGH", "Q4LATENCY"], contribution.PastIncidents.Select(p => p.Id));
        Assert.Equal("rollback", contribution.PastIncidents[0].Action);
        Assert.Equal((null, "Resolved through the API"), (contribution.PastIncidents[1].Action, contribution.PastIncidents[1].Resolution));
        Assert.Equal(
            "incident Q2ERRHIGH notes: PagerDuty GET /incidents/Q2ERRHIGH/notes answered 500 Internal Server Error (code 2000)",
            Assert.Single(contribution.Problems));
    }

    [Fact]
    public async Task A_slow_answer_is_cancelled_by_the_token()
    {
        _pd.Responder = _ => new FakePagerDutyRest.Reply(HttpStatusCode.OK, "{\"incidents\":[]}", TimeSpan.FromSeconds(30));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Source().CollectAsync(Request(), cts.Token));

        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_malformed_answer_fails_the_source_with_a_clear_message()
    {
        _pd.Responder = _ => new FakePagerDutyRest.Reply(HttpStatusCode.OK, "{\"incidents\":[{\"id\":");

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => Source().CollectAsync(Request(), default));

        Assert.StartsWith("PagerDuty GET /incidents answered 200 with a body that is not the documented JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_entry_without_pagerduty_asks_nothing()
    {
        var request = Request() with { Service = new CatalogEntry { Name = Samples.Service } };

        var contribution = await Source(o => o.ApiToken = null).CollectAsync(request, default);

        Assert.Same(ContextContribution.Empty, contribution);
        Assert.Empty(_pd.Requests);
    }

    [Fact]
    public void A_runbook_action_is_recognised_only_as_a_whole_word()
    {
        Assert.Equal("rollback", PagerDutyHistorySource.NamedAction(Actions, "Did a ROLLBACK."));
        Assert.Null(PagerDutyHistorySource.NamedAction(Actions, "rollbacks and scale-outs, restart-pods-later"));
        Assert.Equal("scale-out", PagerDutyHistorySource.NamedAction(Actions, "rollback-db then scale-out"));
    }

    private static ContextRequest Request() => new()
    {
        Command = Samples.Collect(),
        Service = new CatalogEntry { Name = Samples.Service, PagerDuty = new PagerDutyTarget { ServiceId = ServiceId } },
        Window = new ContextWindow(Alert.AddHours(-2), Alert.AddMinutes(15)) { IncidentStart = Alert.AddMinutes(-30) },
        Bounds = new ContextBounds(),
        RunbookActions = Actions,
    };

    private PagerDutyHistorySource Source(Action<PagerDutyHistorySourceOptions>? configure = null)
    {
        var options = new PagerDutyHistorySourceOptions { Url = _pd.Endpoint, ApiToken = FakePagerDutyRest.Token };
        configure?.Invoke(options);
        var clients = new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        return new PagerDutyHistorySource(clients, Options.Create(options));
    }
}
