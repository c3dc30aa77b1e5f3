using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Agents.Notification.Channels;
using Agents.Notification.Channels.Jira;
using Agents.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Brains.Tests.Notification;

public sealed class JiraChannelTests : IAsyncLifetime
{
    private static readonly Guid IncidentId = Guid.Parse("6f1c2a9e-2b7d-4a51-9c3e-0d8b7e5a4f21");
    private static readonly DateTimeOffset At = new(2026, 11, 24, 2, 20, 0, TimeSpan.Zero);
    private const string Label = "agents-incident-6f1c2a9e2b7d4a519c3e0d8b7e5a4f21";

    private FakeJira _jira = null!;
    private ServiceProvider? _services;

    public async Task InitializeAsync() => _jira = await FakeJira.Start();

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        await _jira.DisposeAsync();
    }

    [Theory]
    [InlineData("escalation")]
    [InlineData("emergency")]
    [InlineData("approval-request")]
    public async Task An_opening_event_searches_by_label_then_creates_the_issue(string @event)
    {
        var message = Message(@event) with
        {
            Details = new Dictionary<string, string> { ["hypothesis"] = "regression in v7.4.2" },
            IncidentUrl = new Uri("https://agents.example.com/incidents/6f1c"),
            RunbookUrl = new Uri("https://wiki.example.com/runbooks/auth"),
        };

        var receipt = await Channel().SendAsync(message, null, default);

        Assert.Equal("OPS-1", receipt.ExternalId);
        Assert.Equal(["POST /rest/api/3/search/jql", "POST /rest/api/3/issue"], _jira.Requests.Select(r => $"{r.Method} {r.Path}"));
        var search = _jira.Requests.First().Json!;
        Assert.Equal($"project = \"OPS\" AND labels = \"{Label}\" ORDER BY created ASC", search["jql"]!.GetValue<string>());
        var issue = Assert.Single(_jira.Issues);
        Assert.Equal("[critical] auth-service 5xx error rate is 23%", issue.Fields["summary"]!.GetValue<string>());
        Assert.Equal("Task", issue.Fields["issuetype"]!["name"]!.GetValue<string>());
        Assert.Equal([Label, "agents"], issue.Labels);
        Assert.Equal(
            ["Error rate 23% since 02:13.", "Suspect: deploy v7.4.2.", "", "hypothesis: regression in v7.4.2", "Incident: https://agents.example.com/incidents/6f1c", "Runbook: https://wiki.example.com/runbooks/auth"],
            Paragraphs(issue.Fields["description"]!));
        var links = issue.Fields["description"]!["content"]!.AsArray().SelectMany(p => p!["content"]!.AsArray())
            .Where(t => t!["marks"] is not null).Select(t => t!["marks"]![0]!["attrs"]!["href"]!.GetValue<string>());
        Assert.Equal(["https://agents.example.com/incidents/6f1c", "https://wiki.example.com/runbooks/auth"], links);
        var auth = _jira.Requests.First().Headers["authorization"];
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{FakeJira.User}:{FakeJira.ApiToken}")), auth);
    }

    [Fact]
    public async Task Asked_twice_without_a_thread_ref_it_creates_once_and_then_comments_on_the_issue_it_found()
    {
        var channel = Channel();

        var first = await channel.SendAsync(Message("escalation"), null, default);
        var second = await channel.SendAsync(Message("escalation"), null, default);

        Assert.Equal("OPS-1", first.ExternalId);
        Assert.Equal("OPS-1", second.ExternalId);
        var issue = Assert.Single(_jira.Issues);
        Assert.Single(issue.Comments);
        Assert.Equal(2, _jira.Requests.Count(r => r.Path == "/rest/api/3/search/jql"));
    }

    [Fact]
    public async Task An_issue_someone_labelled_earlier_is_reused()
    {
        _jira.Add("unrelated", "agents-incident-00000000000000000000000000000000");
        var existing = _jira.Add("Created by hand", Label, "ops");

        var receipt = await Channel().SendAsync(Message("emergency"), null, default);

        Assert.Equal(existing.Key, receipt.ExternalId);
        Assert.Equal(2, _jira.Issues.Count);
        Assert.Single(existing.Comments);
        Assert.DoesNotContain(_jira.Requests, r => r.Path == "/rest/api/3/issue");
    }

    [Fact]
    public async Task With_a_thread_ref_it_comments_without_searching()
    {
        var existing = _jira.Add("Earlier", Label);

        var receipt = await Channel().SendAsync(Message(ChannelEvents.Acknowledged) with { ThreadRef = existing.Key }, null, default);

        Assert.Equal(new ChannelReceipt(existing.Key, "commented"), receipt);
        Assert.Equal([$"POST /rest/api/3/issue/{existing.Key}/comment"], _jira.Requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.Equal("[critical] auth-service 5xx error rate is 23%", Paragraphs(Assert.Single(existing.Comments)["body"]!)[0]);
    }

    [Theory]
    [InlineData("acknowledged")]
    [InlineData("low-priority")]
    [InlineData("no-consensus")]
    [InlineData("resolution")]
    [InlineData("resolved-by-operator")]
    public async Task Without_an_issue_a_later_event_has_nothing_to_send(string @event)
    {
        var receipt = await Channel().SendAsync(Message(@event), null, default);

        Assert.Equal(new ChannelReceipt(null, "nothing to send"), receipt);
        Assert.Empty(_jira.Issues);
        Assert.Equal(["/rest/api/3/search/jql"], _jira.Requests.Select(r => r.Path));
    }

    [Theory]
    [InlineData("resolution")]
    [InlineData("resolved-by-operator")]
    public async Task A_resolution_comments_and_applies_the_resolve_transition(string @event)
    {
        var existing = _jira.Add("Earlier", Label);

        var receipt = await Channel().SendAsync(Message(@event) with { ThreadRef = existing.Key }, null, default);

        Assert.Equal(existing.Key, receipt.ExternalId);
        Assert.Equal("commented; transitioned to 'Done'", receipt.Detail);
        Assert.Equal("Done", existing.Status);
        Assert.Single(existing.Comments);
        var transition = _jira.Requests.Last();
        Assert.Equal(("POST", "31"), (transition.Method, transition.Json!["transition"]!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_resolution_without_the_transition_only_comments_and_says_so()
    {
        var existing = _jira.Add("Earlier", Label);

        var receipt = await Channel(("ResolveTransition", "Close Issue")).SendAsync(Message("resolution") with { ThreadRef = existing.Key }, null, default);

        Assert.Equal(existing.Key, receipt.ExternalId);
        Assert.Equal("commented; transition 'Close Issue' not available (available: In Progress, Done)", receipt.Detail);
        Assert.Equal("To Do", existing.Status);
        Assert.Single(existing.Comments);
        Assert.DoesNotContain(_jira.Requests, r => r.Method == "POST" && r.Path.EndsWith("/transitions", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("critical", true)]
    [InlineData("high", false)]
    public async Task A_resolved_critical_incident_gets_a_follow_up_issue_when_asked(string severity, bool created)
    {
        var receipt = await Channel(("FollowUpResolvedCritical", "true")).SendAsync(Message("resolution") with { Severity = severity }, null, default);

        Assert.Equal(created ? 1 : 0, _jira.Issues.Count);
        Assert.Equal(created ? new ChannelReceipt("OPS-1", "follow-up issue created") : new ChannelReceipt(null, "nothing to send"), receipt);
        if (created)
        {
            Assert.Equal("To Do", _jira.Issues[0].Status);
        }
    }

    [Fact]
    public async Task The_route_target_is_the_project_and_the_settings_choose_the_issue_type()
    {
        _jira.Projects["SRE"] = ["Incident"];

        var receipt = await Channel(("IssueType", "Incident")).SendAsync(Message("escalation"), "SRE", default);

        Assert.Equal("SRE-1", receipt.ExternalId);
        Assert.Equal("Incident", Assert.Single(_jira.Issues).Fields["issuetype"]!["name"]!.GetValue<string>());
        Assert.Contains("project = \"SRE\"", _jira.Requests.First().Json!["jql"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alert_text_stays_plain_text_in_adf()
    {
        const string Hostile = "*bold* {color:red}red{color} [~accountid:5b10a2844c20165700ede21g] [click|https://evil.example] @here <b>x</b> {code}rm -rf{code} https://evil.example/x";
        var message = Message("escalation") with { Title = "h1. " + Hostile + "\nsecond line", Summary = Hostile };

        await Channel().SendAsync(message, null, default);

        var issue = Assert.Single(_jira.Issues);
        Assert.Equal("h1. " + Hostile + " second line", issue.Fields["summary"]!.GetValue<string>());
        var description = issue.Fields["description"]!;
        Assert.Equal([Hostile], Paragraphs(description));
        var nodes = description["content"]!.AsArray().SelectMany(p => p!["content"]!.AsArray()).ToList();
        Assert.All(nodes, n => Assert.Equal("text", n!["type"]!.GetValue<string>()));
        Assert.All(nodes, n => Assert.Null(n!["marks"]));
    }

    [Fact]
    public async Task Summary_and_text_are_cut_to_jira_limits_with_a_visible_ellipsis()
    {
        var message = Message("escalation") with
        {
            Title = new string('T', 400),
            Summary = string.Join("\n", Enumerable.Repeat(new string('s', 1000), 60)),
        };

        await Channel().SendAsync(message, null, default);

        var issue = Assert.Single(_jira.Issues);
        var summary = issue.Fields["summary"]!.GetValue<string>();
        Assert.Equal(255, summary.Length);
        Assert.EndsWith("…", summary, StringComparison.Ordinal);
        var paragraphs = Paragraphs(issue.Fields["description"]!);
        Assert.True(paragraphs.Sum(p => p.Length) <= JiraChannel.TextFieldLimit);
        Assert.EndsWith("…", paragraphs[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_429_is_retried_after_what_retry_after_asks()
    {
        _jira.Script(FakeJira.TooManyRequests(retryAfterSeconds: 2));
        var watch = Stopwatch.StartNew();

        var receipt = await Channel().SendAsync(Message("escalation"), null, default);

        Assert.Equal("OPS-1", receipt.ExternalId);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.9), $"retried after {watch.Elapsed}");
        Assert.Equal([HttpStatusCode.TooManyRequests, HttpStatusCode.OK, HttpStatusCode.Created], _jira.Requests.Select(r => r.Answered));
    }

    [Fact]
    public async Task A_500_is_retried()
    {
        _jira.Script(FakeJira.ServerError());

        var receipt = await Channel().SendAsync(Message("escalation"), null, default);

        Assert.Equal("OPS-1", receipt.ExternalId);
        Assert.Single(_jira.Issues);
    }

    [Fact]
    public async Task Jira_errors_are_surfaced_without_the_token()
    {
        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            Channel(("Project", "NOPE")).SendAsync(Message("escalation") with { ThreadRef = null }, null, default));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains("The value 'NOPE' does not exist for the field 'project'.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeJira.ApiToken, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Field_errors_of_a_create_are_surfaced()
    {
        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            Channel(("IssueType", "Epic")).SendAsync(Message("escalation"), null, default));

        Assert.Contains("Jira could not create the issue (400 BadRequest): issuetype: Specify a valid issue type", error.Message, StringComparison.Ordinal);
        Assert.Empty(_jira.Issues);
    }

    [Fact]
    public async Task A_wrong_token_is_refused_and_the_message_does_not_show_it()
    {
        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            Channel(("ApiToken", "wrong-secret-token")).SendAsync(Message("escalation"), null, default));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Contains("You are not authenticated", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_issue_behind_the_thread_ref_is_an_error()
    {
        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            Channel().SendAsync(Message(ChannelEvents.Acknowledged) with { ThreadRef = "OPS-404" }, null, default));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains("Issue does not exist", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BaseUrl")]
    [InlineData("User")]
    [InlineData("ApiToken")]
    public void Without_its_credentials_the_channel_is_off(string missing)
    {
        var channel = Channel((missing, null));

        Assert.False(channel.IsConfigured);
    }

    [Fact]
    public void Configured_it_is_on_idempotent_and_defaults_to_the_project()
    {
        var channel = Channel();

        Assert.True(channel.IsConfigured);
        Assert.True(channel.IsIdempotent);
        Assert.Equal("jira", channel.Name);
        Assert.Equal(FakeJira.Project, channel.DefaultTarget);
    }

    private static List<string> Paragraphs(JsonNode document)
    {
        Assert.Equal("doc", document["type"]!.GetValue<string>());
        Assert.Equal(1, document["version"]!.GetValue<int>());
        return document["content"]!.AsArray()
            .Select(p =>
            {
                Assert.Equal("paragraph", p!["type"]!.GetValue<string>());
                return string.Concat(p["content"]!.AsArray().Select(t => t!["text"]!.GetValue<string>()));
            })
            .ToList();
    }

    private INotificationChannel Channel(params (string Name, string? Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["BaseUrl"] = _jira.BaseUrl.ToString(),
            ["User"] = FakeJira.User,
            ["ApiToken"] = FakeJira.ApiToken,
            ["Project"] = FakeJira.Project,
        };
        foreach (var (name, value) in overrides)
        {
            settings[name] = value;
        }

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Where(s => s.Value is not null).ToDictionary(s => "Notification:Channels:Jira:" + s.Key, s => s.Value))
            .Build();
        _services = new ServiceCollection().AddJiraChannel(configuration).BuildServiceProvider();
        return Assert.IsType<JiraChannel>(_services.GetRequiredService<INotificationChannel>());
    }

    private static ChannelMessage Message(string @event) => new()
    {
        IncidentId = IncidentId,
        Event = @event,
        EventKey = $"{IncidentId:N}:{@event}",
        Priority = "page",
        Status = "Escalated",
        Title = "[critical] auth-service 5xx error rate is 23%",
        Summary = "Error rate 23% since 02:13.\nSuspect: deploy v7.4.2.",
        Severity = "critical",
        Service = "auth-service",
        Team = "identity",
        Source = "alertmanager",
        At = At,
    };
}
